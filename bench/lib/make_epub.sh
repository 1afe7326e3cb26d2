# EPUB 3 writer for the benchmarks (sourced): bash + zip only. A "valid" EPUB is fully
# EPUB 3.2 conformant as EPUBCheck 4.2 sees it: mimetype first and stored, container.xml,
# an OPF with dc:identifier/dc:title/dc:language/dcterms:modified, a nav document, XHTML
# chapters listed in manifest and spine, optionally a PNG cover image.
#
#   epub_tree DIR TITLE CHAPTERS PARAGRAPHS [NOISE_KIB] [COVER_PNG]
#       writes the unpacked EPUB into DIR (mimetype, META-INF/, OEBPS/); NOISE_KIB adds that
#       many KiB of base64 text to each chapter so the zipped size grows too.
#   epub_zip DIR OUT.epub [normal|mimetype-last]
#       zips DIR the EPUB way: mimetype first and stored, then the rest deflated; with
#       mimetype-last the stored mimetype comes after everything else (a defect).

epub_xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

epub_tree() {
  local dir=$1 title=$2 chapters=$3 paras=$4 noise_kib=${5:-0} cover=${6:-}
  local i p items="" spine="" nav="" body
  mkdir -p "$dir/META-INF" "$dir/OEBPS"
  printf 'application/epub+zip' >"$dir/mimetype"
  cat >"$dir/META-INF/container.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
EOF
  for ((i = 1; i <= chapters; i++)); do
    items+="    <item id=\"ch$i\" href=\"ch$i.xhtml\" media-type=\"application/xhtml+xml\"/>"$'\n'
    spine+="    <itemref idref=\"ch$i\"/>"$'\n'
    nav+="      <li><a href=\"ch$i.xhtml\">第${i}章</a></li>"$'\n'
    {
      printf '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
      printf '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="zh-CN" lang="zh-CN">\n'
      printf '<head><meta charset="UTF-8"/><title>第%d章</title></head>\n<body>\n<section epub:type="chapter">\n<h1>第%d章</h1>\n' "$i" "$i"
      for ((p = 1; p <= paras; p++)); do
        printf '<p>%s 第%d章 第%d段：数与代数、图形与几何、统计与概率、综合与实践。</p>\n' "$title" "$i" "$p"
      done
      if ((noise_kib > 0)); then
        head -c $((noise_kib * 768)) /dev/urandom | base64 -w 76 | sed 's/.*/<p>&<\/p>/'
      fi
      printf '</section>\n</body>\n</html>\n'
    } >"$dir/OEBPS/ch$i.xhtml"
  done
  local cover_item="" cover_meta=""
  if [[ -n "$cover" ]]; then
    mkdir -p "$dir/OEBPS/images"
    cp "$cover" "$dir/OEBPS/images/cover.png"
    cover_item='    <item id="cover" href="images/cover.png" media-type="image/png" properties="cover-image"/>'$'\n'
  fi
  body=$(printf '%s' "$title" | epub_xml_escape)
  cat >"$dir/OEBPS/content.opf" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid" xml:lang="zh-CN">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="bookid">urn:uuid:$(cat /proc/sys/kernel/random/uuid)</dc:identifier>
    <dc:title>$body</dc:title>
    <dc:language>zh-CN</dc:language>
    <meta property="dcterms:modified">2024-09-01T00:00:00Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
$cover_item$items  </manifest>
  <spine>
$spine  </spine>
</package>
EOF
  cat >"$dir/OEBPS/nav.xhtml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="zh-CN" lang="zh-CN">
<head><meta charset="UTF-8"/><title>$body</title></head>
<body>
<nav epub:type="toc" id="toc">
  <h1>目录</h1>
  <ol>
$nav  </ol>
</nav>
</body>
</html>
EOF
}

epub_zip() {
  local dir=$1 out=$2 mode=${3:-normal} rest=()
  out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
  rm -f "$out"
  (
    cd "$dir"
    [[ -d META-INF ]] && rest+=(META-INF)
    [[ -d OEBPS ]] && rest+=(OEBPS)
    [[ $mode == normal && -f mimetype ]] && zip -q -X -0 "$out" mimetype
    zip -q -X -9 -r "$out" "${rest[@]}"
    [[ $mode == mimetype-last && -f mimetype ]] && zip -q -X -0 "$out" mimetype
    true
  )
}
