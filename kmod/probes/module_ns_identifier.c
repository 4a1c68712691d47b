// SPDX-License-Identifier: GPL-2.0-only
/*
 * DDA_HAVE_MODULE_NS_IDENTIFIER: MODULE_IMPORT_NS() takes the namespace as
 * an identifier. "module: Convert symbol namespace to string literal"
 * (6.13) made it take a string; the identifier is then an undeclared name.
 */
#include <linux/module.h>

MODULE_IMPORT_NS(DDA_PROBE);
