// SHA-256 (FIPS 180-4) of a scenario file's text: the campaign's identity for --resume and
// regression comparisons. Small and dependency-free; checked against the FIPS test vectors.
#pragma once

#include <string>

namespace wirelab {

std::string sha256_hex(const std::string& data);

}  // namespace wirelab
