#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <clocale>

int main(int argc, char* argv[]) {
  // As the eductl binary does: libarchive converts names through the locale.
  std::setlocale(LC_ALL, "C.UTF-8");
  return Catch::Session().run(argc, argv);
}
