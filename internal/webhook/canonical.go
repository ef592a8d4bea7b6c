package webhook

import "strings"

// IsCanonicalSignature reports whether header, less the surrounding
// whitespace HTTP drops, is exactly the form ErzyCall sends: "sha256="
// followed by 64 lowercase hexadecimal digits. Verify is liberal and also
// accepts "SHA256=" and uppercase digits; a handler written from the
// ErzyCall docs compares the header byte for byte with "sha256=" + the
// lowercase hex HMAC, and rejects those. So a header that Verify accepts
// but that is not canonical would verify here and fail there.
func IsCanonicalSignature(header string) bool {
	s := strings.TrimSpace(header)
	digits, ok := strings.CutPrefix(s, signaturePrefix)
	if !ok || len(digits) != 64 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
