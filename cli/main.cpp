#include "cli/app.hpp"

int main(int argc, char** argv) { return eductl::run_app(argc, argv); }
