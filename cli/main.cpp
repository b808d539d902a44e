#include "cli/outcheck_main.h"

int main(int argc, char** argv) { return outcheck::cli::outcheck_main(argc, argv); }
