/*
 * hash.h - the name hash shared by the index (readers and writers) and the
 * intern table (writers).
 *
 * getenv's hit path is dominated by hashing a short name, so the hash
 * reads the name in at most a few unaligned words instead of byte by byte,
 * then folds them with one 64x64->128 multiplication.  It is not
 * cryptographic: environment names are chosen by the program, not by an
 * attacker who could force collisions.
 */
#ifndef ENVSAFE_HASH_H
#define ENVSAFE_HASH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t es_load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint32_t es_load32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t es_fold(uint64_t a, uint64_t b)
{
	__uint128_t m = (__uint128_t)a * b;
	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

#define ES_HASH_K0 0x9e3779b97f4a7c15ull
#define ES_HASH_K1 0xd6e8feb86659fd93ull
#define ES_HASH_K2 0xa0761d6478bd642full

/* Hash of the LEN bytes at S (no terminator needed). */
static inline uint64_t es_hash(const char *s, size_t len)
{
	uint64_t a, b, seed = ES_HASH_K0 ^ len;

	if (len > 16) {
		const char *p = s;
		size_t left = len;
		do {
			seed = es_fold(es_load64(p) ^ ES_HASH_K1, es_load64(p + 8) ^ seed);
			p += 16;
			left -= 16;
		} while (left > 16);
		a = es_load64(s + len - 16);
		b = es_load64(s + len - 8);
	} else if (len >= 8) {
		a = es_load64(s);
		b = es_load64(s + len - 8);
	} else if (len >= 4) {
		a = es_load32(s);
		b = es_load32(s + len - 4);
	} else if (len > 0) {
		a = ((uint64_t)(unsigned char)s[0] << 16) |
		    ((uint64_t)(unsigned char)s[len >> 1] << 8) |
		    (unsigned char)s[len - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return es_fold(a ^ ES_HASH_K1, b ^ seed ^ ES_HASH_K2);
}

/*
 * Are the LEN bytes at A and B equal?  Environment names are short, so
 * the common lengths take two overlapping word loads instead of a call.
 * Both A and B must have LEN readable bytes.
 */
static inline int es_bytes_equal(const char *a, const char *b, size_t len)
{
	if (len >= 8 && len <= 16)
		return ((es_load64(a) ^ es_load64(b)) | (es_load64(a + len - 8) ^ es_load64(b + len - 8))) == 0;
	if (len >= 4 && len < 8)
		return ((es_load32(a) ^ es_load32(b)) | (es_load32(a + len - 4) ^ es_load32(b + len - 4))) == 0;
	return memcmp(a, b, len) == 0;
}

#endif
