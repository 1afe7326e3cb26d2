#include "core/findings/rules.hpp"

#include <algorithm>
#include <array>

namespace eductl {
namespace {

using enum Severity;

// Order is the order of docs/findings.md. Codes are stable: never reuse or rename one.
constexpr Rule k_rules[] = {
    // --- reading the container ---
    {"PKG-UNREADABLE", error, "package", "The package cannot be opened at all (not an archive or directory, or unreadable).",
     "Check the path and permissions; re-export the package as zip, tar, tar.gz, tar.zst or tar.xz."},
    {"PKG-CORRUPT", error, "package", "The archive is truncated or corrupt: reading stopped before its end.",
     "Re-create the archive and check the transfer (compare its checksum with the publisher's)."},
    {"PKG-NAME-ENCODING", error, "package", "An entry name decodes neither as UTF-8 nor as GBK/CP936.",
     "Re-create the archive with UTF-8 names (zip -UN=UTF8, or 7-Zip / Info-ZIP 3)."},
    {"PKG-PATH-TRAVERSAL", error, "package", "An entry path contains a `..` segment (zip-slip).",
     "Use plain relative paths inside the package folder."},
    {"PKG-PATH-ABSOLUTE", error, "package", "An entry path starts with `/` or a drive letter.",
     "Use paths relative to the package root."},
    {"PKG-PATH-BACKSLASH", error, "package", "An entry path contains a backslash; paths are `/`-separated.",
     "Re-create the archive on a tool that writes `/` separators."},
    {"PKG-PATH-CONTROL", error, "package", "An entry path contains a control character.",
     "Rename the file."},
    {"PKG-PATH-TOO-LONG", error, "package", "An entry path is longer than 255 bytes.",
     "Shorten the folder or file names."},
    {"PKG-PATH-NFC", error, "package", "An entry path is not in Unicode NFC form (e.g. written by macOS as NFD).",
     "Normalise file names to NFC before packing."},
    {"PKG-SYMLINK", error, "package", "The package contains a symbolic link.",
     "Replace the link by the file it points to."},
    {"PKG-HARDLINK", error, "package", "The package contains a hard link entry.",
     "Store the file itself instead of a link."},
    {"PKG-SPECIAL-FILE", error, "package", "The package contains a device, FIFO or socket entry.",
     "Remove it; a package holds regular files only."},
    {"PKG-DUPLICATE-ENTRY", error, "package", "Two entries have the same path.",
     "Keep one copy of the file."},
    {"PKG-CASE-COLLISION", warning, "package", "Two paths differ only by letter case; they collide on Windows and macOS.",
     "Rename one of them."},
    {"PKG-TOO-MANY-ENTRIES", error, "package", "The package has more entries than the limit (default 100,000).",
     "Split the delivery, or raise --max-entries if the package is genuine."},
    {"PKG-TOO-LARGE", error, "package", "The unpacked size exceeds the limit (default 20 GiB).",
     "Split the delivery, or raise --max-unpacked if the package is genuine."},
    {"PKG-COMPRESSION-RATIO", error, "package", "An entry unpacks to more than the allowed ratio of its packed size (zip bomb guard).",
     "Re-create the archive; raise --max-ratio only for a genuine, trusted package."},
    {"PKG-MANIFEST-MISSING", error, "package", "No manifest.json at the package root.",
     "Add manifest.json at the root (or inside the single top-level folder)."},
    {"PKG-FILE-UNLISTED", error, "package", "A file is present in the package but not listed in manifest `files`.",
     "List it in `files` with its sha256, size and media type, or remove it."},
    {"PKG-FILE-MISSING", error, "package", "A file listed in manifest `files` is absent from the package.",
     "Add the file or remove it from `files`."},
    {"PKG-SIZE-MISMATCH", error, "package", "A file's size differs from its `files[].size`.",
     "Regenerate the manifest from the final files."},
    {"PKG-SHA256-MISMATCH", error, "package", "A file's SHA-256 differs from its `files[].sha256`.",
     "Regenerate the manifest from the final files; the file may be damaged."},
    // --- manifest: shape (JSON Schema, schemas/textbook-package-v1.schema.json) ---
    {"MAN-JSON-SYNTAX", error, "manifest", "manifest.json is not valid UTF-8 JSON.", "Fix the JSON syntax (the message gives line and column)."},
    {"MAN-TOO-LARGE", error, "manifest", "manifest.json is larger than 4 MiB.", "Keep the manifest to metadata; it must not embed content."},
    {"MAN-STRUCTURE", error, "manifest", "The manifest is not an object or lacks a required member.", "Follow the manifest table of the contract."},
    {"MAN-UNKNOWN-FIELD", warning, "manifest", "The manifest has a member the format does not define (accepted, ignored).", "Check the spelling; remove it if unintended."},
    {"MAN-FORMAT", error, "manifest", "`format` is not \"textbook-package/1\".", "Set \"format\": \"textbook-package/1\"."},
    {"MAN-PACKAGE-ID", error, "manifest", "`package_id` does not match ^[a-z0-9][a-z0-9._-]{2,63}$.", "Use 3-64 lowercase letters, digits, dot, dash or underscore."},
    {"MAN-REVISION", error, "manifest", "`revision` is not an integer ≥ 1.", "Start at 1 and increase on every re-delivery."},
    {"MAN-PUBLISHER", error, "manifest", "`publisher` is not an object with code and name.", "Give \"publisher\": {\"code\": \"PEP\", \"name\": \"人民教育出版社\"}."},
    {"MAN-PUBLISHER-CODE", error, "manifest", "`publisher.code` does not match ^[A-Z0-9]{2,16}$.", "Use the publisher's registered code, e.g. PEP."},
    {"MAN-PUBLISHER-NAME", error, "manifest", "`publisher.name` is empty or not a string.", "Give the publisher's full name."},
    {"MAN-TEXTBOOK", error, "manifest", "`textbook` is not an object.", "Give the textbook metadata object."},
    {"MAN-TITLE", error, "manifest", "`textbook.title` is empty or longer than 200 characters.", "Give the title as printed on the cover."},
    {"MAN-ISBN-FORMAT", error, "manifest", "`textbook.isbn` is not an ISBN-13 or ISBN-10.", "Give the ISBN as printed, e.g. 978-7-107-31520-6."},
    {"MAN-ISBN-CHECKDIGIT", error, "manifest", "`textbook.isbn` has a wrong check digit.", "Copy the ISBN again from the book; a digit is wrong."},
    {"MAN-STAGE", error, "manifest", "`textbook.stage` is not primary, junior, senior or special.", "Use one of the stage codes of the contract."},
    {"MAN-SCHOOL-SYSTEM", error, "manifest", "`textbook.school_system` is not 6-3 or 5-4, or is given for senior/special.", "Use 6-3 or 5-4, and only for primary or junior books."},
    {"MAN-SPECIAL-SCHOOL", error, "manifest", "`textbook.special_school` is missing for a special-education book, invalid, or given for another stage.", "Use blind, deaf or intellectual, with stage special only."},
    {"MAN-GRADE", error, "manifest", "`textbook.grade` is not a grade 1-12 or a [from, to] span.", "Give an integer grade or an inclusive [from, to] span."},
    {"MAN-GRADE-STAGE", error, "manifest", "`textbook.grade` lies outside the grades of the stage and school system.", "6-3: primary 1-6, junior 7-9; 5-4: primary 1-5, junior 6-9; senior 10-12; special 1-12."},
    {"MAN-SUBJECT", error, "manifest", "`textbook.subject` is not a subject code of the contract.", "Use a code from the Subjects list, e.g. math, arts-music, life-chinese."},
    {"MAN-KIND", error, "manifest", "`textbook.kind` is not student, teacher, reader, atlas or practice.", "Use one of the kind codes."},
    {"MAN-EDITION", error, "manifest", "`textbook.edition` is empty or not a string.", "Give the 版本 as the platform names it, e.g. 人教版."},
    {"MAN-VOLUME", error, "manifest", "`textbook.volume` is not upper, lower, full, compulsory-N, elective-N or level-N (N 1-12).", "Use one of the volume codes."},
    {"MAN-VOLUME-TITLE", error, "manifest", "`textbook.volume_title` is not a string.", "Give the volume's name, e.g. 分子与细胞, or leave it out."},
    {"MAN-LANGUAGE", error, "manifest", "`textbook.language` is not a BCP 47 tag.", "Use e.g. zh-CN, en, bo, ug."},
    {"MAN-PUBLISHED", error, "manifest", "`textbook.published` is not YYYY-MM.", "Give the year and month of the printing, e.g. 2024-07."},
    {"MAN-FILES", error, "manifest", "`files` is not an array of file objects.", "List every file of the package but manifest.json."},
    {"MAN-FILE-PATH", error, "manifest", "A `files[].path` is not a safe relative path (no `..`, no leading `/`, no `\\`, no control characters, ≤ 255 bytes, NFC).",
     "Use the file's relative path inside the package, `/`-separated."},
    {"MAN-FILE-DUPLICATE", error, "manifest", "A path is listed twice in `files`.", "List each file once."},
    {"MAN-FILE-SHA256", error, "manifest", "A `files[].sha256` is not 64 lowercase hex digits.", "Give the SHA-256 as printed by sha256sum."},
    {"MAN-FILE-SIZE", error, "manifest", "A `files[].size` is not a non-negative integer.", "Give the size in bytes."},
    {"MAN-MEDIA-TYPE", error, "manifest", "A `files[].media_type` is not one of the accepted types.", "Use one of the media types of the contract; convert other formats."},
    {"MAN-FILE-ROLE", error, "manifest", "A `files[].role` is not \"textbook\".", "Leave `role` out except on the book file."},
    {"MAN-TEXTBOOK-FILE", error, "manifest", "Not exactly one file has role \"textbook\", or it is not a PDF or EPUB.", "Mark the book file (PDF or EPUB 3) and only it with \"role\": \"textbook\"."},
    {"MAN-CONTENTS", error, "manifest", "`contents` is not an array of units.", "Give the units in order."},
    {"MAN-UNIT-TITLE", error, "manifest", "A unit's `title` is empty or missing.", "Give each unit a title."},
    {"MAN-LESSONS", error, "manifest", "A unit's `lessons` is not an array.", "Give the lessons (课时) of the unit in order."},
    {"MAN-LESSON-ID", error, "manifest", "A lesson `id` does not match ^[A-Za-z0-9_-]{1,64}$.", "Use letters, digits, `_` and `-` only."},
    {"MAN-LESSON-ID-DUPLICATE", error, "manifest", "Two lessons share the same `id`.", "Lesson ids must be unique within the package."},
    {"MAN-LESSON-TITLE", error, "manifest", "A lesson's `title` is empty or missing.", "Give each lesson a title."},
    {"MAN-LESSON-RESOURCES", error, "manifest", "A lesson has no resources.", "Give each lesson at least one resource."},
    {"MAN-RESOURCE-KIND", error, "manifest", "A resource `kind` is not one of the contract's kinds.", "Use video, task_sheet, exercise, textbook_pages, courseware, audio or subtitle."},
    {"MAN-RESOURCE-FILE", error, "manifest", "A resource's `file` is not a path listed in `files`.", "Point the resource at a listed file."},
    {"MAN-RESOURCE-PAGES", error, "manifest", "A resource's `pages` is malformed, given for a kind other than textbook_pages, or reversed.", "Use N or N-M with N ≤ M, on textbook_pages resources only."},
    {"MAN-PAGES-RANGE", error, "manifest", "A textbook_pages range lies beyond the textbook's page count.", "Check the page numbers against the book file."},
    // --- media: content against declared type ---
    {"MEDIA-MISMATCH", error, "media", "A file's content does not match its declared media type.", "Declare the real type, or replace the file with one of the declared type."},
    {"PDF-HEADER", error, "media", "A PDF does not start with %PDF-.", "Re-export the PDF."},
    {"PDF-TRAILER", error, "media", "A PDF does not end with %%EOF: it is truncated.", "Re-export the PDF or transfer it again."},
    {"PDF-ENCRYPTED", error, "media", "A PDF is encrypted; the platform cannot index or render it.", "Deliver the PDF without encryption or DRM."},
    {"PDF-PAGES", warning, "media", "The page count of a PDF could not be determined.", "Re-export the PDF with a standard tool; page ranges cannot be checked."},
    {"EPUB-MIMETYPE", error, "media", "An EPUB's first entry is not an uncompressed `mimetype` with content application/epub+zip.", "Re-pack the EPUB with mimetype first and stored (zip -X0 first)."},
    {"EPUB-CONTAINER", error, "media", "An EPUB has no readable META-INF/container.xml naming a package document.", "Add META-INF/container.xml with a rootfile."},
    {"EPUB-OPF", error, "media", "An EPUB's package document (OPF) is missing or does not parse.", "Fix the OPF path in container.xml or the OPF's XML."},
    {"EPUB-MANIFEST-ITEM", error, "media", "An EPUB manifest item points at a file that does not exist.", "Add the file or remove the manifest item."},
    {"EPUB-SPINE", error, "media", "An EPUB spine is empty or refers to an id not in the manifest.", "Make every spine itemref name a manifest item."},
    {"EPUB-CORRUPT", error, "media", "An EPUB's zip container is corrupt.", "Re-pack the EPUB."},
    {"ZIP-CORRUPT", error, "media", "A courseware zip is corrupt or unsafe (traversal, links).", "Re-pack the courseware bundle."},
#include "core/findings/rules_listing.inc"
#include "core/findings/rules_csv.inc"
    // --- import ---
    {"IMP-REVISION-LOWER", error, "import", "The package's revision is lower than the catalogue's current revision of the book.",
     "Deliver a revision higher than the current one (see `eductl catalog show`)."},
    {"IMP-REVISION-CONFLICT", error, "import", "The same revision of the book was imported before with other bytes.",
     "A changed delivery must carry a higher revision."},
    // --- mirror: signatures (minisign format) ---
    {"MIR-SIG-MALFORMED", error, "mirror", "A signature file is not in minisign's format: lines, prefixes, base64 or lengths are wrong.",
     "Fetch the .minisig file again; if it stays broken, the publishing side must sign the file again."},
    {"MIR-SIG-ALGORITHM", error, "mirror", "A signature uses an algorithm other than Ed25519 (\"ED\" prehashed or legacy \"Ed\").",
     "Sign with eductl or minisign 0.9 or later."},
    {"MIR-SIG-KEY-MISMATCH", error, "mirror", "A signature was made by another key than the trusted public key (key ids differ).",
     "Check which key the upstream signs with; trust its new public key only through a channel you trust."},
    {"MIR-SIGNATURE", error, "mirror", "A signature does not match the file: the file was changed after signing, or the signature is forged.",
     "Do not use the file; fetch it again from the upstream and report a repeat to its operators."},
    {"MIR-SIG-COMMENT", error, "mirror", "A signature's trusted comment was altered after signing (its global signature fails).",
     "Do not use the file; fetch the signature again from the upstream."},
};

}  // namespace

std::span<const Rule> all_rules() { return k_rules; }

const Rule* find_rule(std::string_view code) {
  auto it = std::find_if(std::begin(k_rules), std::end(k_rules),
                         [&](const Rule& r) { return r.code == code; });
  return it == std::end(k_rules) ? nullptr : &*it;
}

}  // namespace eductl
