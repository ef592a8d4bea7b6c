// Package verify implements `erzycall verify`.
package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/webhook"
)

// maxPayload bounds what verify reads: far above any real delivery.
const maxPayload = 64 << 20

// verifyOptions are the inputs of `erzycall verify`.
type verifyOptions struct {
	IO *iostreams.IOStreams

	Secrets     []string
	Signature   string
	PayloadFile string
	Strict      bool
}

// NewCmdVerify returns `erzycall verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{IO: f.IOStreams}
	var secrets []string
	cmd := &cobra.Command{
		Use:   "verify --secret S --signature H [--payload-file F]",
		Short: "Check a webhook signature against a payload",
		Long: `Check an X-Webhook-Signature value against the raw payload bytes, read from
--payload-file or standard input. Several --secret values may be given (during a
rotation); the output names the one that matched. Exit 0 when valid, 1 when not.

It also warns, on standard error, about a valid signature that handlers written
from the ErzyCall docs would still reject:
  - the payload is not byte-for-byte what JavaScript's JSON.stringify produces
    for it: those handlers verify JSON.stringify(req.body);
  - the header is not exactly sha256=<64 lowercase hex digits>, the form
    ErzyCall sends (e.g. SHA256= or uppercase digits): those handlers compare
    it byte for byte.
With --strict either warning ends the command with exit 9.`,
		Example: `  erzycall verify --secret "$WEBHOOK_SECRET" --signature "sha256=757107ea…" --payload-file body.json
  printf 'Hello, World!' | erzycall verify --secret "It's a Secret to Everybody" \
      --signature sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
  erzycall verify --strict --secret "$WEBHOOK_SECRET" --signature "$SIG" --payload-file body.json`,
		Args: cmdutil.MaximumNArgs(0, "it takes no arguments"),
		RunE: func(_ *cobra.Command, _ []string) error {
			opts.Secrets = cmdutil.SecretsFromFlagOrEnv(secrets, f.Getenv)
			if len(opts.Secrets) == 0 {
				return cmdutil.FlagErrorf("no secret: give --secret or set %s", cmdutil.WebhookSecretEnv)
			}
			if opts.Signature == "" {
				return cmdutil.FlagErrorf("--signature is required (the X-Webhook-Signature header value)")
			}
			if opts.PayloadFile == "" && opts.IO.IsStdinTTY() {
				return cmdutil.FlagErrorf("give --payload-file or pipe the payload on standard input")
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "signing `secret` (repeatable; default $"+cmdutil.WebhookSecretEnv+")")
	cmd.Flags().StringVar(&opts.Signature, "signature", "", "the X-Webhook-Signature `header` value")
	cmd.Flags().StringVar(&opts.PayloadFile, "payload-file", "", "`file` with the raw payload (default: standard input)")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "exit 9 when a valid signature would still fail a handler written from the docs")
	return cmd
}

func verifyRun(opts *verifyOptions) error {
	body, err := readPayload(opts)
	if err != nil {
		return err
	}
	idx, verr := webhook.Verify(body, opts.Signature, opts.Secrets...)
	if errors.Is(verr, webhook.ErrNoMatch) {
		// The commonest mistake: `echo` (or an editor) added a newline the
		// sender never signed.
		if trimmed, ok := withoutTrailingNewline(body); ok {
			if i, err := webhook.Verify(trimmed, opts.Signature, opts.Secrets...); err == nil {
				fmt.Fprintf(opts.IO.Out, "invalid: the signature matches if the trailing newline is removed (secret #%d) — "+
					"did `echo` add it? Use `printf '%%s'` or --payload-file\n", i+1)
				return cmdutil.ErrSilent
			}
		}
	}
	rejected := false // by a handler written from the docs, though valid here
	if canon, err := jsjson.Canonical(body); err == nil && !bytes.Equal(canon, body) {
		rejected = true
		fmt.Fprintln(opts.IO.ErrOut, "warning: this payload is not byte-for-byte JSON.stringify(JSON.parse(payload)): "+
			"handlers written from the ErzyCall docs would compute a different signature")
	}
	if verr == nil && !webhook.IsCanonicalSignature(opts.Signature) {
		rejected = true
		fmt.Fprintln(opts.IO.ErrOut, "warning: the signature header is not sha256=<64 lowercase hex digits>, the form ErzyCall sends: "+
			"handlers written from the ErzyCall docs compare it byte for byte and would reject it")
	}
	if verr != nil {
		reason := strings.TrimPrefix(verr.Error(), "invalid signature: ")
		if errors.Is(verr, webhook.ErrNoMatch) && len(opts.Secrets) > 1 {
			reason = fmt.Sprintf("it matches none of the %d secrets", len(opts.Secrets))
		}
		fmt.Fprintf(opts.IO.Out, "invalid: %s\n", reason)
		return cmdutil.ErrSilent
	}
	fmt.Fprintf(opts.IO.Out, "valid (secret #%d)\n", idx+1)
	if opts.Strict && rejected {
		return &cmdutil.ExitError{Code: cmdutil.ExitStrict, Err: errors.New("--strict: the signature is valid, but a handler written from the ErzyCall docs would reject this delivery (see the warning above)")}
	}
	return nil
}

// withoutTrailingNewline is body without one final "\n" or "\r\n".
func withoutTrailingNewline(body []byte) ([]byte, bool) {
	if b, ok := bytes.CutSuffix(body, []byte("\r\n")); ok {
		return b, true
	}
	return bytes.CutSuffix(body, []byte("\n"))
}

func readPayload(opts *verifyOptions) ([]byte, error) {
	r := opts.IO.In
	if opts.PayloadFile != "" && opts.PayloadFile != "-" {
		f, err := os.Open(opts.PayloadFile)
		if err != nil {
			return nil, cmdutil.FlagErrorf("read payload: %v", err)
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	if len(body) > maxPayload {
		return nil, cmdutil.FlagErrorf("payload larger than %d MiB", maxPayload>>20)
	}
	return body, nil
}
