package cmdutil

import "strings"

// WebhookSecretEnv names the variable that supplies signing secrets when no
// --secret flag is given; several may be separated by commas.
const WebhookSecretEnv = "ERZYCALL_WEBHOOK_SECRET" //nolint:gosec // G101: the name of a variable, not a secret

// SecretsFromFlagOrEnv returns the signing secrets a command was given:
// the --secret values, or else those of ERZYCALL_WEBHOOK_SECRET, without
// empty entries. (Secrets saved per endpoint are credentials.WebhookSecrets,
// a store.)
func SecretsFromFlagOrEnv(flagValues []string, getenv func(string) string) []string {
	src := flagValues
	if len(src) == 0 && getenv != nil {
		src = strings.Split(getenv(WebhookSecretEnv), ",")
	}
	out := make([]string, 0, len(src))
	for _, s := range src {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
