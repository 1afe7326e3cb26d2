// The EPUB 3 rules that live in XML: META-INF/container.xml (OCF 3.3 content
// model, which rootfile is the package document) and the package document's
// package element, metadata, manifest, nav and spine (EPUB 3.3 Packages).
// Works on texts already read; zip_inspect streams them in.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/findings/finding.hpp"
#include "core/package/epub_refs.hpp"

namespace eductl {

inline constexpr std::string_view k_container_path = "META-INF/container.xml";

// The container path of the package document container.xml names (its first
// rootfile of type application/oebps-package+xml), or empty when it names none.
// Cheap enough to call while the entries stream past, so the walk knows which
// later entry to keep.
std::string rootfile_path(const std::string& container_xml);

// Findings for an EPUB whose file entries are `names` (UTF-8, container order),
// `container_xml` (null when absent) and the texts `file_text` returns (null
// when the entry is absent or was not kept). Entries are named "outer!path".
// `uses` says how the content documents reference remote resources (EPUB 3.3
// "Resource locations").
Findings check_epub_structure(std::string_view outer_entry, const std::vector<std::string>& names,
                              const std::string* container_xml,
                              const std::function<const std::string*(const std::string&)>& file_text,
                              const RemoteUses& uses = RemoteUses{});

}  // namespace eductl
