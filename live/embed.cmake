# Turns the page (live/src/page.html) into a C array (cmake -P script), so
# that an installed binary serves it with no file around it.
file(READ ${PAGE} hex HEX)
string(LENGTH "${hex}" len)
math(EXPR len "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
     "/* Generated from live/src/page.html by live/embed.cmake; do not edit. */\n"
     "#include \"live_internal.h\"\n"
     "const unsigned char live__page_html[] = {${bytes}0x00};\n"
     "const size_t live__page_html_len = ${len};\n")
