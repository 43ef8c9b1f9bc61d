# -*- Python -*-
# The runtime's unit tests: every GoogleTest case of the RecurRuntime*Tests
# executables is one lit test ("RECUR-Unit :: RecurRuntimeTests/Suite/Case").
# A suite nested in test/: lit finds it through the lit.site.cfg.py that CMake
# writes into build/test/Unit, so `lit build/test` runs these too.

import lit.formats

config.name = "RECUR-Unit"
config.suffixes = []

unit_dir = getattr(config, "recur_runtime_unit_test_dir", None)
if not unit_dir:
    lit_config.fatal("test/Unit: run lit on the build directory (build/test), "
                     "whose lit.site.cfg.py CMake writes")

config.test_source_root = unit_dir
config.test_exec_root = unit_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
