package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RawRequest is a request to any route of the API, as `erzycall api` makes
// it: the client adds the key, the User-Agent and its retry and redirect
// rules, and nothing else.
type RawRequest struct {
	Method string
	// Path is below the base URL ("webhooks/wh_1?x=1", escaped); a leading
	// "/" and the base URL's own path ("/api/v1/webhooks") are allowed. An
	// absolute URL (a next-page link) must be at the base URL's origin.
	Path   string
	Header http.Header // added to the request; X-API-Key is the client's own
	Body   []byte      // sent as is (Content-Type application/json unless Header says otherwise); nil for none
}

// RawResponse is the answer to a RawRequest.
type RawResponse struct {
	Proto      string // HTTP/1.1
	StatusCode int
	Status     string // 200 OK
	Header     http.Header
	Body       []byte

	url *url.URL // the URL that answered
}

// ErrOtherOrigin is the error of a RawRequest whose absolute URL is not at
// the API's origin: it is not sent, since it would carry the key.
var ErrOtherOrigin = errors.New("not at the API's origin")

// Raw sends req and returns the answer, whatever its status. An answer that
// is not 2xx comes with its *Error (which maps to the exit code), and with
// the answer itself, whose body the caller may show.
func (c *Client) Raw(ctx context.Context, req RawRequest) (*RawResponse, error) {
	target, err := c.resolve(req.Path)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	resp, body, err := c.send(ctx, method, target, req.Header, req.Body) //nolint:bodyclose // send reads and closes every body
	if resp == nil {
		return nil, err
	}
	return &RawResponse{
		Proto: resp.Proto, StatusCode: resp.StatusCode, Status: resp.Status,
		Header: resp.Header, Body: body, url: resp.Request.URL,
	}, err
}

// resolve turns a RawRequest's Path into a URL at the API's origin.
func (c *Client) resolve(p string) (string, error) {
	if u, err := url.Parse(p); err == nil && u.IsAbs() {
		if !sameOrigin(c.base, u) {
			return "", fmt.Errorf("%s: %w: the key is sent only to %s", redactURL(u), ErrOtherOrigin, origin(c.base))
		}
		return u.String(), nil
	}
	p, query, hasQuery := strings.Cut(p, "?")
	p = strings.TrimPrefix(p, "/")
	if basePath := strings.Trim(c.base.EscapedPath(), "/"); basePath != "" {
		if rest, ok := strings.CutPrefix(p, basePath+"/"); ok {
			p = rest
		} else if p == basePath {
			p = ""
		}
	}
	u := c.base.JoinPath(p)
	if hasQuery {
		u.RawQuery = query
	}
	return u.String(), nil
}

// URL is the absolute URL that gave this answer.
func (r *RawResponse) URL() string {
	if r.url == nil {
		return ""
	}
	return r.url.String()
}

// NextPage returns the URL of the next page that the answer's Link header
// names (rel="next", RFC 8288), resolved against the URL that answered; ""
// when there is none. Raw refuses it unless it is at the API's origin.
func (r *RawResponse) NextPage() string {
	for _, v := range r.Header.Values("Link") {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(link, ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for param := range strings.SplitSeq(params, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(param), "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(value), `"`)) {
					if strings.EqualFold(rel, "next") {
						ref, err := url.Parse(target[1 : len(target)-1])
						if err != nil || r.url == nil {
							return ""
						}
						return r.url.ResolveReference(ref).String()
					}
				}
			}
		}
	}
	return ""
}
