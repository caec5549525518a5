#include "audit/crypto.h"

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP's first use
// loads the configuration and the default provider (3-5 ms, more than a whole CLI `check`
// spends on its audit record); the low-level functions run the same assembly (SHA extensions
// when the CPU has them) with no set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace exportctl::audit {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  // OpenSSL cannot fail to hash in memory; if it does, stop rather than log garbage.
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, data.data(), data.size()) != 1 ||
      SHA256_Final(digest, &ctx) != 1) {
    std::abort();
  }
  return ToHex(digest, sizeof digest);
}

std::string RandomHex(size_t bytes) {
  // The kernel's generator (getrandom(2)): OpenSSL's RAND_bytes would first seed its own DRBG,
  // a millisecond or more per process for the few ids a CLI call needs.
  std::vector<unsigned char> buf(bytes);
  size_t filled = 0;
  while (filled < buf.size()) {
    const ssize_t n = getrandom(buf.data() + filled, buf.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // no randomness: stop rather than issue guessable ids or keys
    filled += static_cast<size_t>(n);
  }
  return ToHex(buf.data(), buf.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace exportctl::audit
