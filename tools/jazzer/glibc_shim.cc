// What Jazzer.js 4's prebuilt addon (built against glibc 2.38 and GCC 13's libstdc++) needs beyond
// Debian 12's glibc 2.36 and GCC 12: three symbols, preloaded by tools/fuzz.sh (LD_PRELOAD) after
// patch_addon.py has made the addon's references to them unversioned.
#include <cstdlib>
#include <ios>

extern "C" {
// C23's strtol/strtoul also read "0b" prefixes; the decoders under test never parse numbers
// through libc, so the C99 behaviour is enough here.
long __isoc23_strtol(const char* s, char** end, int base) { return std::strtol(s, end, base); }
unsigned long __isoc23_strtoul(const char* s, char** end, int base) {
  return std::strtoul(s, end, base);
}
}

namespace std {
// GCC 13 initialises the standard streams inside libstdc++ and has objects call this; GCC 12's
// library needs an ios_base::Init object for the same.
void ios_base_library_init() { static ios_base::Init init; }
}  // namespace std
