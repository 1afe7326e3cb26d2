// Factories of the importers the registry holds (one per source format).
#pragma once
#include <memory>

#include "importers/importer.hpp"

namespace eductl {
std::unique_ptr<Importer> make_textbook_package_importer();
std::unique_ptr<Importer> make_platform_listing_importer();
std::unique_ptr<Importer> make_pdf_folder_importer();
}  // namespace eductl
