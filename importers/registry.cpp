#include "importers/importer.hpp"
#include "importers/registry_entries.hpp"

namespace eductl {

const std::vector<std::unique_ptr<Importer>>& importer_registry() {
  static const std::vector<std::unique_ptr<Importer>> k_registry = [] {
    std::vector<std::unique_ptr<Importer>> v;
    // Most specific first: a folder with books.csv is a PDF folder, a .json a listing.
    v.push_back(make_pdf_folder_importer());
    v.push_back(make_platform_listing_importer());
    v.push_back(make_textbook_package_importer());
    return v;
  }();
  return k_registry;
}

const Importer* find_importer(const std::filesystem::path& input, std::string_view format) {
  const auto& all = importer_registry();
  if (format != "auto") {
    for (const auto& imp : all)
      if (imp->name() == format) return imp.get();
    return nullptr;
  }
  for (const auto& imp : all)
    if (imp->accepts(input)) return imp.get();
  return all.back().get();  // textbook packages: its findings explain what is wrong
}

}  // namespace eductl
