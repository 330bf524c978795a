// wirelab: the command-line entry point. Everything lives in harness/cli/verbs.cc.
#include "harness/cli/verbs.h"

int main(int argc, char** argv) { return wirelab::wirelab_main(argc, argv, wirelab::default_backends()); }
