// json_schema_check SCHEMA FILE...: validates JSON documents against one of schemas/
// with the project's own validator; prints each violation, exits 1 if any.
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/util/json_schema.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: json_schema_check SCHEMA FILE...\n";
    return 2;
  }
  auto slurp = [](const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  auto schema = eductl::JsonSchema::parse_text(slurp(argv[1]));
  if (!schema) {
    std::cerr << argv[1] << ": " << schema.error().message << '\n';
    return 2;
  }
  int bad = 0;
  for (int i = 2; i < argc; ++i) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(slurp(argv[i]));
    } catch (const std::exception& e) {
      std::cerr << argv[i] << ": not JSON: " << e.what() << '\n';
      ++bad;
      continue;
    }
    for (const auto& v : schema->validate(doc)) {
      std::cerr << argv[i] << ": " << v.pointer << ": " << v.keyword << ": " << v.message << '\n';
      ++bad;
    }
  }
  return bad ? 1 : 0;
}
