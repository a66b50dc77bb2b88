// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CredentialSource gives the credential (bearer token, API key) for a request;
// an empty one sends none.
type CredentialSource func(ctx context.Context) (string, error)

// StaticCredential is a CredentialSource that always gives secret.
func StaticCredential(secret string) CredentialSource {
	return func(context.Context) (string, error) { return secret, nil }
}

// UnexpectedResponseError is a reply with a status the spec does not list for
// the operation.
type UnexpectedResponseError struct {
	Operation string
	Status    int
	Header    http.Header
	Body      []byte
}

func (e *UnexpectedResponseError) Error() string {
	body := string(e.Body)
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("%s: the server answered %d, which the spec does not list; body: %s", e.Operation, e.Status, body)
}

// InvalidResponseError is a reply whose body does not match the spec: not JSON,
// or schema violations. Status and Header are the reply's, so a caller can
// still act on the status (and a Retry-After) of a reply whose body it cannot use.
type InvalidResponseError struct {
	Operation  string
	Status     int
	Header     http.Header
	Violations []SchemaViolation
	Detail     string
}

func (e *InvalidResponseError) Error() string {
	detail := e.Detail
	if detail == "" {
		problems := make([]string, len(e.Violations))
		for i, v := range e.Violations {
			problems[i] = fmt.Sprintf("%s: %s (%s)", v.Path, v.Message, v.Keyword)
		}
		detail = strings.Join(problems, "; ")
	}
	return fmt.Sprintf("%s: the %d reply does not match the spec: %s", e.Operation, e.Status, detail)
}

// InvalidRequestError is a request that cannot be written as the spec says, so
// nothing was sent: an item of an array parameter holds the character that
// separates its items, or an array path parameter is empty.
type InvalidRequestError struct {
	Operation string
	Detail    string
}

func (e *InvalidRequestError) Error() string {
	return fmt.Sprintf("%s: the request cannot be sent: %s", e.Operation, e.Detail)
}

// maxReplyBody is the largest reply body the client reads.
const maxReplyBody = 64 << 20

// transport is what the generated client's methods run on.
type transport struct {
	baseURL     string
	httpClient  *http.Client
	header      http.Header
	credentials map[string]CredentialSource
}

func newTransport(baseURL string, httpClient *http.Client, header http.Header, credentials map[string]CredentialSource) (*transport, error) {
	parsed, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("the base URL %q does not parse: %w", baseURL, err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return nil, fmt.Errorf("the base URL %q must start with http:// or https://", baseURL)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &transport{baseURL: strings.TrimRight(baseURL, "/"), httpClient: httpClient, header: header, credentials: credentials}, nil
}

// received is a reply the spec lists, its body validated.
type received struct {
	operation string
	status    int
	header    http.Header
	// body is the body's JSON text as typed decoding reads it (nil: none).
	body []byte
	// file is a body of raw bytes (nil: none).
	file *File
	// headers are the declared response headers' values as JSON text (nil: absent).
	headers [][]byte
}

func (r *received) decode(into any) error {
	if r.file != nil {
		if target, ok := into.(*File); ok {
			*target = *r.file
		}
		return nil
	}
	if r.body == nil {
		return nil
	}
	if err := json.Unmarshal(r.body, into); err != nil {
		return &InvalidResponseError{Operation: r.operation, Status: r.status, Header: r.header, Detail: err.Error()}
	}
	return nil
}

func (r *received) headerValue(i int, into any) error {
	if i >= len(r.headers) || r.headers[i] == nil {
		return nil
	}
	if err := json.Unmarshal(r.headers[i], into); err != nil {
		return &InvalidResponseError{Operation: r.operation, Status: r.status, Header: r.header, Detail: err.Error()}
	}
	return nil
}

func (r *received) unexpected() error {
	return &UnexpectedResponseError{Operation: r.operation, Status: r.status, Header: r.header}
}

// parameterValue is a parameter's typed value as a parsed JSON value; ok false
// when it is absent (a nil pointer or null).
func parameterValue(value any) (any, bool, error) {
	if value == nil {
		return nil, false, nil
	}
	data, err := json.Marshal(value)
	if err != nil {
		return nil, false, err
	}
	parsed, err := parseJSON(data)
	if err != nil || parsed == nil {
		return nil, false, err
	}
	return parsed, true, nil
}

// items is an array parameter's items as text, written as one value: an item
// holding the separator, or one empty item, cannot be read back and is refused.
func items(spec *operationSpec, p *parameterSpec, value []any) ([]string, error) {
	separator := p.separator
	if separator == "" {
		separator = ","
	}
	texts := make([]string, 0, len(value))
	for _, item := range value {
		text, _ := plainText(item)
		if p.separator != "" || p.location != "query" {
			if strings.Contains(text, separator) {
				return nil, &InvalidRequestError{Operation: spec.id, Detail: fmt.Sprintf("an item of `%s` contains %q, which separates its items", p.name, separator)}
			}
		}
		texts = append(texts, text)
	}
	if len(texts) == 1 && texts[0] == "" && (p.separator != "" || p.location != "query") {
		return nil, &InvalidRequestError{Operation: spec.id, Detail: fmt.Sprintf("`%s` holds one empty item, which reads as no items", p.name)}
	}
	return texts, nil
}

// call sends a request of the operation spec (params in the operation's order,
// body when hasBody) and checks the reply against the spec.
func (t *transport) call(ctx context.Context, spec *operationSpec, params []any, body any, hasBody bool) (*received, error) {
	path := spec.path
	var query []string
	header := http.Header{}
	for name, values := range t.header {
		header[name] = append([]string(nil), values...)
	}
	for i := range spec.parameters {
		p := &spec.parameters[i]
		value, ok, err := parameterValue(params[i])
		if err != nil {
			return nil, &InvalidRequestError{Operation: spec.id, Detail: fmt.Sprintf("`%s`: %v", p.name, err)}
		}
		if !ok {
			continue
		}
		list, isArray := value.([]any)
		switch p.location {
		case "path":
			text, _ := plainText(value)
			if isArray {
				texts, err := items(spec, p, list)
				if err != nil {
					return nil, err
				}
				if len(texts) == 0 {
					return nil, &InvalidRequestError{Operation: spec.id, Detail: fmt.Sprintf("the path parameter `%s` has no items, and a path segment cannot be empty", p.name)}
				}
				escaped := make([]string, len(texts))
				for j, item := range texts {
					escaped[j] = url.PathEscape(item)
				}
				text = strings.Join(escaped, ",")
			} else {
				text = url.PathEscape(text)
			}
			path = strings.ReplaceAll(path, "{"+p.name+"}", text)
		case "query":
			name := url.QueryEscape(p.name)
			if isArray && p.separator != "" {
				texts, err := items(spec, p, list)
				if err != nil {
					return nil, err
				}
				joint := p.separator
				if joint == " " {
					joint = "%20"
				}
				escaped := make([]string, len(texts))
				for j, item := range texts {
					escaped[j] = url.QueryEscape(item)
				}
				query = append(query, name+"="+strings.Join(escaped, joint))
			} else if isArray {
				for _, item := range list {
					text, _ := plainText(item)
					query = append(query, name+"="+url.QueryEscape(text))
				}
			} else {
				text, _ := plainText(value)
				query = append(query, name+"="+url.QueryEscape(text))
			}
		case "header":
			text, _ := plainText(value)
			if isArray {
				texts, err := items(spec, p, list)
				if err != nil {
					return nil, err
				}
				text = strings.Join(texts, ",")
			}
			header.Set(p.name, text)
		}
	}
	if err := t.authorize(ctx, spec, header, &query); err != nil {
		return nil, err
	}
	target := t.baseURL + path
	if len(query) > 0 {
		joint := "?"
		if strings.Contains(target, "?") {
			joint = "&"
		}
		target += joint + strings.Join(query, "&")
	}
	var content io.Reader
	if spec.body != nil && hasBody {
		data, contentType, err := encodeBody(spec.body, body)
		if err != nil {
			return nil, &InvalidRequestError{Operation: spec.id, Detail: err.Error()}
		}
		if data != nil {
			content = bytes.NewReader(data)
			header.Set("Content-Type", contentType)
		}
	}
	request, err := http.NewRequestWithContext(ctx, spec.method, target, content)
	if err != nil {
		return nil, &InvalidRequestError{Operation: spec.id, Detail: err.Error()}
	}
	request.Header = header
	reply, err := t.httpClient.Do(request)
	if err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(io.LimitReader(reply.Body, maxReplyBody+1))
	if err != nil {
		return nil, err
	}
	out := &received{operation: spec.id, status: reply.StatusCode, header: reply.Header}
	declared := spec.response(reply.StatusCode)
	if declared == nil {
		return nil, &UnexpectedResponseError{Operation: spec.id, Status: reply.StatusCode, Header: reply.Header, Body: data}
	}
	invalidReply := func(detail string, violations []SchemaViolation) error {
		return &InvalidResponseError{Operation: spec.id, Status: reply.StatusCode, Header: reply.Header, Violations: violations, Detail: detail}
	}
	if declared.body != nil && declared.encoding == "binary" {
		if len(data) > maxReplyBody {
			return nil, invalidReply(fmt.Sprintf("the body exceeds %d bytes", maxReplyBody), nil)
		}
		out.file = &File{Bytes: data, MediaType: reply.Header.Get("Content-Type")}
	} else if declared.body != nil && declared.encoding == "text" {
		if len(data) > maxReplyBody {
			return nil, invalidReply(fmt.Sprintf("the body exceeds %d bytes", maxReplyBody), nil)
		}
		if !utf8.Valid(data) {
			return nil, invalidReply(fmt.Sprintf("the body is not UTF-8 text: the byte at offset %d is not valid UTF-8", invalidUTF8(data)), nil)
		}
		var found Violations
		validateValue(declared.body, string(data), "$", &found)
		if !found.Valid() {
			return nil, invalidReply("", found.Listed)
		}
		out.body = jsonText(string(data))
	} else if declared.body != nil {
		if len(data) > maxReplyBody {
			return nil, invalidReply(fmt.Sprintf("the body exceeds %d bytes", maxReplyBody), nil)
		}
		value, err := parseJSON(data)
		if err != nil {
			shown := string(data)
			if len(shown) > 200 {
				shown = shown[:200]
			}
			return nil, invalidReply(fmt.Sprintf("the body is not JSON (%v): %s", err, shown), nil)
		}
		var found Violations
		validateValue(declared.body, value, "$", &found)
		if !found.Valid() {
			return nil, invalidReply("", found.Listed)
		}
		out.body = jsonText(project(declared.body, value))
	}
	out.headers = make([][]byte, len(declared.headers))
	for i, h := range declared.headers {
		text := reply.Header.Get(h.name)
		if text == "" {
			continue
		}
		switch resolve(h.schema).kind {
		case "integer":
			trimmed := strings.TrimSpace(text)
			if _, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
				out.headers[i] = []byte(trimmed)
			}
		case "number":
			trimmed := strings.TrimSpace(text)
			if f, err := strconv.ParseFloat(trimmed, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				out.headers[i] = []byte(strconv.FormatFloat(f, 'g', -1, 64))
			}
		case "boolean":
			if text == "true" || text == "false" {
				out.headers[i] = []byte(text)
			}
		case "string":
			out.headers[i], _ = json.Marshal(text)
		}
	}
	return out, nil
}

// authorize adds the credentials of the first security alternative that has
// them all.
func (t *transport) authorize(ctx context.Context, spec *operationSpec, header http.Header, query *[]string) error {
alternatives:
	for _, alternative := range spec.security {
		secrets := make([]string, len(alternative))
		for i, use := range alternative {
			source := t.credentials[use.scheme]
			if source == nil {
				continue alternatives
			}
			secret, err := source(ctx)
			if err != nil {
				return fmt.Errorf("%s: getting the %s credential: %w", spec.id, use.scheme, err)
			}
			if secret == "" {
				continue alternatives
			}
			secrets[i] = secret
		}
		for i, use := range alternative {
			how, found := securitySchemes[use.scheme]
			if !found {
				continue
			}
			switch {
			case how.kind == "bearer":
				header.Set("Authorization", "Bearer "+secrets[i])
			case how.location == "header":
				header.Set(how.name, secrets[i])
			default:
				*query = append(*query, url.QueryEscape(how.name)+"="+url.QueryEscape(secrets[i]))
			}
		}
		return nil
	}
	return nil
}
