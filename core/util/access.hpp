// Whether a caller opens a resource (data folder, catalogue, content store, usage figures)
// to read it or to change it: one enum for every opener.
#pragma once

namespace eductl {

enum class Access { read_only, read_write };

}  // namespace eductl
