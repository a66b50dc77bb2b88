package api

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bodies that are not JSON: a form, multipart (with files), UTF-8 text and raw
// bytes, as the server reads them and the client writes them. A form's or
// multipart body's fields are turned into the JSON value they stand for and
// validated as a JSON body is, so their violations have the same paths.

// readLimited is the request body, refusing more than limit bytes with 413.
func readLimited(r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &HTTPError{Status: http.StatusBadRequest, Code: "INVALID_REQUEST", Message: "the body could not be read: " + err.Error()}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

// essence is a Content-Type's media type without parameters, in lower case.
func essence(contentType string) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
}

// textContentType is a text type's Content-Type, with charset=utf-8 unless it
// has parameters.
func textContentType(contentType string) string {
	if strings.Contains(contentType, ";") {
		return contentType
	}
	return contentType + "; charset=utf-8"
}

func wrongMediaType(expected, found string) *HTTPError {
	if found == "" {
		return unsupported(fmt.Sprintf("expected the content type `%s`, found none", expected))
	}
	return unsupported(fmt.Sprintf("expected the content type `%s`, found `%s`", expected, found))
}

func badRequest(message string) *HTTPError {
	return &HTTPError{Status: http.StatusBadRequest, Code: "INVALID_REQUEST", Message: message}
}

// readOtherBody reads a body that is not JSON into in: 413 over limit, 415
// unless its media type is the operation's (parameters such as charset aside),
// 400 for text that is not UTF-8 or malformed multipart; the fields of a form
// or multipart body are validated into problems.
func readOtherBody(spec *bodySpec, r *http.Request, limit int64, problems *Violations, in *decoded) error {
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	contentType := r.Header.Get("Content-Type")
	if contentType != "" && essence(contentType) != essence(spec.contentType) {
		return wrongMediaType(spec.contentType, contentType)
	}
	data, err := readLimited(r, limit)
	if err != nil {
		return err
	}
	if contentType == "" {
		if len(data) == 0 && !spec.required {
			return nil
		}
		return wrongMediaType(spec.contentType, "")
	}
	switch spec.encoding {
	case "binary":
		in.file = &File{Bytes: data, MediaType: contentType}
	case "text":
		if !utf8.Valid(data) {
			return badRequest(fmt.Sprintf("the body is not UTF-8 text: the byte at offset %d is not valid UTF-8", invalidUTF8(data)))
		}
		text := string(data)
		validateValue(spec.schema, text, "$", problems)
		in.body = jsonText(text)
	case "form":
		value, _ := formValue(spec, formParts(string(data)), problems)
		in.body = jsonText(project(spec.schema, value))
	case "multipart":
		parts, err := multipartParts(contentType, data, spec.files)
		if err != nil {
			return badRequest("the multipart body is malformed: " + err.Error())
		}
		value, files := formValue(spec, parts, problems)
		in.body = jsonText(project(spec.schema, value))
		in.files = files
	}
	return nil
}

// invalidUTF8 is the offset of the first byte that is not valid UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// formPart is a field of a form or a part of a multipart body: its text, or
// for a file property its file.
type formPart struct {
	name string
	text string
	file *File
}

// formParts are the name=value pairs of an application/x-www-form-urlencoded
// body, read as browsers do: `+` is a space, a `%` not followed by two hex
// digits is itself, bytes that are not UTF-8 become U+FFFD, empty pairs are
// skipped.
func formParts(body string) []formPart {
	var parts []formPart
	for _, pair := range strings.Split(body, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		parts = append(parts, formPart{name: formDecode(name), text: formDecode(value)})
	}
	return parts
}

func formDecode(text string) string {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			n, _ := strconv.ParseUint(text[i+1:i+3], 16, 8)
			out = append(out, byte(n))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// multipartParts are the parts of a multipart/form-data body: a part of a file
// property is a File (its media type application/octet-stream when it names
// none), any other its text. Parts without a name are skipped.
func multipartParts(contentType string, data []byte, files []string) ([]formPart, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("the content type `%s` does not parse: %v", contentType, err)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, fmt.Errorf("the content type `%s` has no boundary", contentType)
	}
	reader := multipart.NewReader(bytes.NewReader(data), boundary)
	var parts []formPart
	for {
		part, err := reader.NextRawPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, err
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		if slices.Contains(files, name) {
			media := part.Header.Get("Content-Type")
			if media == "" {
				media = "application/octet-stream"
			}
			parts = append(parts, formPart{name: name, file: &File{Bytes: content, Filename: part.FileName(), MediaType: media}})
		} else {
			parts = append(parts, formPart{name: name, text: strings.ToValidUTF8(string(content), "\uFFFD")})
		}
	}
}

// formValue is the JSON value a form or multipart body stands for: each
// property of the schema once (an array with every value of its name), its
// text read as the property's scalar type, a file as an empty string; validated
// into problems as a JSON body is. Names the schema does not declare are
// ignored. The files are returned by property.
func formValue(spec *bodySpec, parts []formPart, problems *Violations) (*jsonObject, map[string][]File) {
	value := newJSONObject()
	files := map[string][]File{}
	s := resolve(spec.schema)
	if s == nil || s.kind != "object" {
		validateValue(spec.schema, value, "$", problems)
		return value, files
	}
	for _, p := range s.properties {
		var found []formPart
		for _, part := range parts {
			if part.name == p.name {
				found = append(found, part)
			}
		}
		if len(found) == 0 {
			continue
		}
		t := resolve(p.schema)
		isArray := t != nil && t.kind == "array"
		switch {
		case slices.Contains(spec.files, p.name):
			list := make([]File, len(found))
			items := make([]any, len(found))
			for i, part := range found {
				if part.file != nil {
					list[i] = *part.file
				} else {
					list[i] = File{Bytes: []byte(part.text), MediaType: "application/octet-stream"}
				}
				items[i] = ""
			}
			files[p.name] = list
			if isArray {
				value.set(p.name, items)
			} else {
				value.set(p.name, "")
			}
		case isArray:
			items := make([]any, len(found))
			for i, part := range found {
				items[i] = fieldValue(t.items, part.text)
			}
			value.set(p.name, items)
		default:
			value.set(p.name, fieldValue(p.schema, found[0].text))
		}
	}
	validateValue(spec.schema, value, "$", problems)
	return value, files
}

var formNumber = regexp.MustCompile(`^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$`)

// fieldValue is the JSON value a field's text stands for: a number or boolean
// when it reads as one (spaces around it aside), else the text, which the
// validator then refuses where it expects a number or boolean.
func fieldValue(s *schema, text string) any {
	trimmed := strings.TrimSpace(text)
	kind := ""
	if t := resolve(s); t != nil {
		kind = t.kind
	}
	switch kind {
	case "integer", "number":
		if formNumber.MatchString(trimmed) {
			if _, err := strconv.ParseFloat(trimmed, 64); err == nil {
				return json.Number(trimmed)
			}
		}
	case "boolean":
		if trimmed == "true" {
			return true
		}
		if trimmed == "false" {
			return false
		}
	}
	return text
}

// ---- The client

// formFields are a form's (name, text) pairs in the order of its properties:
// an array one pair per item, nulls left out.
func formFields(value any) [][2]string {
	object, ok := value.(*jsonObject)
	if !ok {
		return nil
	}
	var fields [][2]string
	for _, name := range object.keys {
		switch v := object.values[name].(type) {
		case nil:
		case []any:
			for _, item := range v {
				if text, ok := plainText(item); ok {
					fields = append(fields, [2]string{name, text})
				}
			}
		default:
			if text, ok := plainText(v); ok {
				fields = append(fields, [2]string{name, text})
			}
		}
	}
	return fields
}

// encodeBody is a request body as the client sends it, with its Content-Type;
// nil for an absent one (a nil pointer).
func encodeBody(spec *bodySpec, body any) ([]byte, string, error) {
	switch spec.encoding {
	case "binary":
		switch file := body.(type) {
		case File:
			return nonNil(file.Bytes), spec.contentType, nil
		case *File:
			if file == nil {
				return nil, "", nil
			}
			return nonNil(file.Bytes), spec.contentType, nil
		}
		return nil, "", fmt.Errorf("the body is a %T, not a File", body)
	case "text":
		value, ok, err := parameterValue(body)
		if err != nil || !ok {
			return nil, "", err
		}
		text, isText := value.(string)
		if !isText {
			return nil, "", fmt.Errorf("the body is not text")
		}
		return []byte(text), textContentType(spec.contentType), nil
	case "form":
		value, ok, err := parameterValue(body)
		if err != nil || !ok {
			return nil, "", err
		}
		form := make([]string, 0)
		for _, field := range formFields(value) {
			form = append(form, url.QueryEscape(field[0])+"="+url.QueryEscape(field[1]))
		}
		return []byte(strings.Join(form, "&")), spec.contentType, nil
	case "multipart":
		value, ok, err := parameterValue(body)
		if err != nil || !ok {
			return nil, "", err
		}
		var buffer bytes.Buffer
		writer := multipart.NewWriter(&buffer)
		for _, field := range formFields(value) {
			if err := writer.WriteField(field[0], field[1]); err != nil {
				return nil, "", err
			}
		}
		if withFiles, ok := body.(multipartBody); ok {
			files := withFiles.multipartFiles()
			for _, name := range spec.files {
				for _, file := range files[name] {
					if err := writeFile(writer, name, file); err != nil {
						return nil, "", err
					}
				}
			}
		}
		if err := writer.Close(); err != nil {
			return nil, "", err
		}
		return buffer.Bytes(), writer.FormDataContentType(), nil
	default:
		data, err := json.Marshal(body)
		if err != nil {
			return nil, "", fmt.Errorf("the body does not encode as JSON: %w", err)
		}
		return data, spec.contentType, nil
	}
}

func nonNil(data []byte) []byte {
	if data == nil {
		return []byte{}
	}
	return data
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

// writeFile writes a file part: named after its property when it has no file
// name, application/octet-stream when it has no media type.
func writeFile(writer *multipart.Writer, name string, file File) error {
	filename := file.Filename
	if filename == "" {
		filename = name
	}
	media := file.MediaType
	if media == "" {
		media = "application/octet-stream"
	}
	header := make(map[string][]string)
	header["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(name), quoteEscaper.Replace(filename))}
	header["Content-Type"] = []string{media}
	part, err := writer.CreatePart(header)
	if err != nil {
		return err
	}
	_, err = part.Write(file.Bytes)
	return err
}
