// Package api implements `erzycall api`: an authenticated request to any
// route of the ErzyCall API, printed as it came (the model is `gh api`).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	apiclient "github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/safetext"
)

// maxInput bounds a request body or a field read from a file: the API takes
// far less, and the body is kept in memory so that a retry can resend it.
const maxInput = 10 << 20

// maxPages bounds --paginate.
const maxPages = 1000

// apiOptions are the inputs of `erzycall api`.
type apiOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*apiclient.Client, error)
	ReadFile  func(name string) ([]byte, error)

	Path     string
	Method   string     // "" until -X or the defaults set it
	Fields   []rawField // -f and -F, in the order given
	Input    string
	Headers  []string
	JQ       string
	Include  bool
	Paginate bool

	jq *cmdutil.JQFilter
}

// NewCmdAPI returns `erzycall api`.
func NewCmdAPI(f *cmdutil.Factory, runF func(*apiOptions) error) *cobra.Command {
	opts := &apiOptions{IO: f.IOStreams, APIClient: f.APIClient, ReadFile: os.ReadFile}
	cmd := &cobra.Command{
		Use:   "api PATH",
		Short: "Make an authenticated request to the ErzyCall API",
		Long: `Send a request to any route of the ErzyCall API, with your API key, and print the
answer: for what erzycall has no command for yet, or to see exactly what the API says.

PATH is below the API URL: "webhooks", "webhooks/wh_abc123/rotate-secret" (a leading
/api/v1 is allowed, and a ?query). The routes erzycall knows:

  GET, POST            webhooks
  GET, PATCH, DELETE   webhooks/ID
  POST                 webhooks/ID/rotate-secret
  the sandbox also:    POST sandbox/events, GET sandbox/deliveries,
                       GET and DELETE sandbox/requests, POST and DELETE sandbox/faults

The method is GET, or POST when fields or --input are given; -X sets another.
Fields make a JSON body (in the order given), or the query string of a GET or of a
request with --input:

  -f key=value     a string
  -F key=value     true, false, null and integers as such; @FILE the file's text (@- stdin)
  key[]=value      appends to an array; key[sub]=value sets a member of an object

On a terminal a JSON answer is indented; piped, the answer is written as it came.
An answer that is not 2xx prints nothing on stdout (the error and its exit code say
what happened; -i shows the answer in full). The key, the API URL and the rules are
those of every command: GET, PUT, PATCH and DELETE are retried when the API is busy,
POST never is; a redirect is followed only for a GET at the API's own origin.`,
		Example: `  erzycall api webhooks
  erzycall api webhooks --jq '.data[] | select(.isActive | not) | .id'
  erzycall api webhooks -f url=https://example.com/webhook -f 'events[]=call.ended' -f description=prod
  erzycall api -X PATCH webhooks/wh_abc123 -F isActive=true
  erzycall api -X POST webhooks/wh_abc123/rotate-secret --jq .data.secret
  erzycall api sandbox/events -f event=call.ended -f 'data[id]=abc123'
  erzycall api -i webhooks/wh_abc123`,
		Args: cmdutil.ExactArgs(1, "give the API path, e.g. `erzycall api webhooks`"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return []cobra.Completion{"webhooks", "webhooks/", "sandbox/events", "sandbox/deliveries", "sandbox/requests", "sandbox/faults"},
				cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return apiRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Method, "method", "X", "", "the HTTP `method` (default GET, or POST with fields or --input)")
	fl.VarP(&fieldFlag{list: &opts.Fields}, "raw-field", "f", "a string field, `key=value`")
	fl.VarP(&fieldFlag{list: &opts.Fields, typed: true}, "field", "F", "a typed field, `key=value`: true, false, null, integers, @FILE")
	fl.StringVar(&opts.Input, "input", "", "the request body from a `file` (- for stdin)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "an extra request header, `name:value`")
	cmdutil.AddJQFlag(cmd, &opts.JQ)
	fl.BoolVarP(&opts.Include, "include", "i", false, "print the status line and the headers of the answer")
	fl.BoolVar(&opts.Paginate, "paginate", false, `follow the answer's Link rel="next" pages (GET)`)
	return cmd
}

// validate checks the flags without reading any file.
func (o *apiOptions) validate() error {
	if strings.TrimSpace(o.Path) == "" {
		return cmdutil.FlagErrorf("empty API path: give one, e.g. `erzycall api webhooks`")
	}
	if o.Method != "" {
		o.Method = strings.ToUpper(o.Method)
		if !isToken(o.Method) {
			return cmdutil.FlagErrorf("invalid --method %q: give an HTTP method such as GET, POST, PATCH or DELETE", o.Method)
		}
	}
	if o.Method == "" {
		o.Method = http.MethodGet
		if len(o.Fields) > 0 || o.Input != "" {
			o.Method = http.MethodPost
		}
	}
	if o.Paginate && o.Method != http.MethodGet {
		return cmdutil.FlagErrorf("--paginate follows the pages of a GET, not of a %s", o.Method)
	}
	for _, h := range o.Headers {
		name, _, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		switch {
		case !ok || !isToken(name):
			return cmdutil.FlagErrorf("invalid --header %q: write it as `Name: value`", h)
		case strings.EqualFold(name, "X-API-Key"):
			return cmdutil.FlagErrorf("--header cannot set X-API-Key: the key comes from --api-key, ERZYCALL_API_KEY or `erzycall auth login`")
		}
	}
	if _, err := parseFields(o.Fields, nil); err != nil {
		return err
	}
	if o.JQ != "" {
		q, err := cmdutil.CompileJQ(o.JQ)
		if err != nil {
			return err
		}
		o.jq = q
	}
	return nil
}

// isToken reports whether s is an HTTP token (a method or a header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func apiRun(ctx context.Context, opts *apiOptions) error {
	req, err := opts.request()
	if err != nil {
		return err
	}
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		resp, err := client.Raw(ctx, req)
		if errors.Is(err, apiclient.ErrOtherOrigin) && page == 1 {
			return cmdutil.FlagErrorWrap(err)
		}
		if resp != nil {
			if werr := opts.write(resp, err == nil); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
		seen[resp.URL()] = true // a next link back to this very page is a loop too
		next := resp.NextPage()
		if !opts.Paginate || next == "" {
			return nil
		}
		if seen[next] || page >= maxPages {
			return fmt.Errorf("--paginate: stopped after %d pages: the next page (%s) was already read, or there are too many", page, safetext.URL(next))
		}
		seen[next] = true
		req = apiclient.RawRequest{Method: http.MethodGet, Path: next, Header: req.Header}
	}
}

// request builds the request of the command line: fields as the JSON body,
// or as the query of a GET (or of a request whose body is --input).
func (o *apiOptions) request() (apiclient.RawRequest, error) {
	req := apiclient.RawRequest{Method: o.Method, Path: o.Path, Header: http.Header{}}
	for _, h := range o.Headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	fields, err := parseFields(o.Fields, o.readInput)
	if err != nil {
		return req, err
	}
	inQuery := o.Input != "" || o.Method == http.MethodGet || o.Method == http.MethodHead
	if o.Input != "" {
		if req.Body, err = o.readInput(o.Input); err != nil {
			return req, err
		}
		if req.Body == nil {
			req.Body = []byte{}
		}
	}
	if len(fields) == 0 {
		return req, nil
	}
	if inQuery {
		sep := "?"
		if strings.Contains(req.Path, "?") {
			sep = "&"
		}
		req.Path += sep + fields.query()
		return req, nil
	}
	req.Body, err = jsjson.Marshal(fields.object())
	if err != nil {
		return req, fmt.Errorf("encode fields: %w", err)
	}
	return req, nil
}

// readInput reads a file named on the command line, or stdin for "-",
// bounded.
func (o *apiOptions) readInput(name string) ([]byte, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(o.IO.In, maxInput+1))
	} else {
		b, err = o.ReadFile(name)
	}
	if err != nil {
		return nil, cmdutil.FlagErrorf("read %s: %v", name, err)
	}
	if len(b) > maxInput {
		return nil, cmdutil.FlagErrorf("%s is larger than %d MiB", name, maxInput>>20)
	}
	return b, nil
}

// write prints one answer: with -i its status line and headers first;
// then, for a 2xx answer (or with -i any answer), its body.
func (o *apiOptions) write(resp *apiclient.RawResponse, ok bool) error {
	tty := o.IO.IsStdoutTTY()
	var b bytes.Buffer
	if o.Include {
		s := o.IO.Styles()
		fmt.Fprintf(&b, "%s\n", s.Bold.Render(safetext.Terminal(resp.Proto+" "+resp.Status, 200)))
		names := make([]string, 0, len(resp.Header))
		for name := range resp.Header {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			for _, v := range resp.Header[name] {
				fmt.Fprintf(&b, "%s: %s\n", safetext.Terminal(name, 200), safetext.Terminal(v, 0))
			}
		}
		b.WriteByte('\n')
	}
	if _, err := o.IO.Out.Write(b.Bytes()); err != nil {
		return err
	}
	if (!ok && !o.Include) || len(resp.Body) == 0 {
		return nil
	}
	if o.jq != nil && ok {
		return o.jq.Write(o.IO, resp.Body)
	}
	if !tty {
		_, err := o.IO.Out.Write(resp.Body)
		return err
	}
	var out bytes.Buffer
	if json.Valid(resp.Body) && json.Indent(&out, bytes.TrimSpace(resp.Body), "", "  ") == nil {
		out.WriteByte('\n')
	} else {
		text := strings.TrimSuffix(string(resp.Body), "\n")
		for line := range strings.SplitSeq(text, "\n") {
			out.WriteString(safetext.Terminal(strings.TrimSuffix(line, "\r"), 0))
			out.WriteByte('\n')
		}
	}
	_, err := o.IO.Out.Write(out.Bytes())
	return err
}

// rawField is one -f or -F as given.
type rawField struct {
	text  string
	typed bool // -F
}

// fieldFlag is the pflag.Value of -f and -F: both add to one list, so the
// fields keep the order of the command line.
type fieldFlag struct {
	list  *[]rawField
	typed bool
}

func (f *fieldFlag) Set(s string) error {
	*f.list = append(*f.list, rawField{s, f.typed})
	return nil
}

func (f *fieldFlag) String() string { return "" }
func (f *fieldFlag) Type() string   { return "key=value" }

// field is one -f or -F, parsed: its key path and value.
type field struct {
	path  []string // "events[]" is ["events", ""]; "data[id]" is ["data", "id"]
	value any
}

type fieldList []field

// parseFields parses -f (strings) and -F (typed) fields. read, when not nil,
// reads the @FILE of -F values; when nil they are only checked.
func parseFields(raw []rawField, read func(string) ([]byte, error)) (fieldList, error) {
	out := make(fieldList, 0, len(raw))
	for _, r := range raw {
		flag := "-f"
		if r.typed {
			flag = "-F"
		}
		key, value, ok := strings.Cut(r.text, "=")
		if !ok {
			return nil, cmdutil.FlagErrorf("invalid %s %q: write it as key=value", flag, r.text)
		}
		path, err := keyPath(key)
		if err != nil {
			return nil, cmdutil.FlagErrorf("invalid %s %q: %v", flag, r.text, err)
		}
		f := field{path: path, value: value}
		if r.typed {
			if f.value, err = typedValue(value, read); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// keyPath splits "a[b][]" into ["a", "b", ""]: an empty part appends to an
// array, and only as the last part.
func keyPath(key string) ([]string, error) {
	name, rest, _ := strings.Cut(key, "[")
	if name == "" {
		return nil, errors.New("empty key")
	}
	path := []string{name}
	if rest == "" && !strings.Contains(key, "[") {
		return path, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, errors.New("write nested keys as key[sub] and arrays as key[]")
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, errors.New("missing ]")
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	for _, p := range path[:len(path)-1] {
		if p == "" {
			return nil, errors.New("[] may only end a key (for anything deeper, use --input)")
		}
	}
	return path, nil
}

// typedValue is the value of -F: true, false, null and integers as such,
// @FILE the text of a file (@- stdin), anything else a string.
func typedValue(v string, read func(string) ([]byte, error)) (any, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		if name == "" {
			return nil, cmdutil.FlagErrorf("invalid -F value %q: give a file after @ (@- for stdin)", v)
		}
		if read == nil {
			return v, nil
		}
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return v, nil
}

// object builds the JSON body, keys in the order first given.
func (fs fieldList) object() jsjson.Object {
	var root jsjson.Object
	for _, f := range fs {
		root = setPath(root, f.path, f.value)
	}
	return root
}

func setPath(obj jsjson.Object, path []string, value any) jsjson.Object {
	key := path[0]
	if len(path) == 1 {
		obj.Set(key, value)
		return obj
	}
	cur, _ := obj.Get(key)
	if path[1] == "" { // key[]: append
		arr, _ := cur.([]any)
		obj.Set(key, append(arr, value))
		return obj
	}
	child, _ := cur.(jsjson.Object)
	obj.Set(key, setPath(child, path[1:], value))
	return obj
}

// query writes the fields as a query string, in the order given.
func (fs fieldList) query() string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		name := f.path[0]
		for _, p := range f.path[1:] {
			name += "[" + p + "]"
		}
		var v string
		switch x := f.value.(type) {
		case string:
			v = x
		case nil:
			v = ""
		default:
			v = fmt.Sprint(x)
		}
		parts = append(parts, url.QueryEscape(name)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}
