// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonObject is a JSON object that keeps its members in the order of the text:
// violations of free-form properties are reported in that order, as in every
// language of this project. A repeated name keeps its first place and its last
// value, as JavaScript's JSON.parse does.
type jsonObject struct {
	keys   []string
	values map[string]any
}

func newJSONObject() *jsonObject {
	return &jsonObject{values: map[string]any{}}
}

func (o *jsonObject) set(name string, value any) {
	if _, found := o.values[name]; !found {
		o.keys = append(o.keys, name)
	}
	o.values[name] = value
}

func (o *jsonObject) get(name string) (any, bool) {
	value, found := o.values[name]
	return value, found
}

// parseJSON reads one JSON value: nil for null, bool, json.Number (exactly as
// written), string, []any, *jsonObject. Text that is not one valid UTF-8 JSON
// value, or has anything after it, is an error.
func parseJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("the text is not valid UTF-8")
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	value, err := parseValue(decoder)
	if err != nil {
		return nil, err
	}
	if _, err := decoder.Token(); err != io.EOF {
		if err == nil {
			return nil, errors.New("unexpected data after the JSON value")
		}
		return nil, err
	}
	return value, nil
}

func parseValue(decoder *json.Decoder) (any, error) {
	token, err := decoder.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of JSON input")
		}
		return nil, err
	}
	switch t := token.(type) {
	case json.Delim:
		switch t {
		case '{':
			object := newJSONObject()
			for decoder.More() {
				key, err := decoder.Token()
				if err != nil {
					return nil, err
				}
				name, ok := key.(string)
				if !ok {
					return nil, fmt.Errorf("expected an object key, found %v", key)
				}
				value, err := parseValue(decoder)
				if err != nil {
					return nil, err
				}
				object.set(name, value)
			}
			if _, err := decoder.Token(); err != nil {
				return nil, err
			}
			return object, nil
		case '[':
			items := []any{}
			for decoder.More() {
				value, err := parseValue(decoder)
				if err != nil {
					return nil, err
				}
				items = append(items, value)
			}
			if _, err := decoder.Token(); err != nil {
				return nil, err
			}
			return items, nil
		default:
			return nil, fmt.Errorf("unexpected %q", rune(t))
		}
	default:
		return t, nil
	}
}

// writeJSON appends the JSON text of a parsed value (numbers exactly as read).
func writeJSON(out *bytes.Buffer, value any) {
	switch v := value.(type) {
	case nil:
		out.WriteString("null")
	case bool:
		out.WriteString(strconv.FormatBool(v))
	case json.Number:
		out.WriteString(v.String())
	case string:
		text, _ := json.Marshal(v)
		out.Write(text)
	case []any:
		out.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				out.WriteByte(',')
			}
			writeJSON(out, item)
		}
		out.WriteByte(']')
	case *jsonObject:
		out.WriteByte('{')
		for i, name := range v.keys {
			if i > 0 {
				out.WriteByte(',')
			}
			key, _ := json.Marshal(name)
			out.Write(key)
			out.WriteByte(':')
			writeJSON(out, v.values[name])
		}
		out.WriteByte('}')
	default:
		// Values built by this package only; anything else goes through encoding/json.
		text, err := json.Marshal(v)
		if err != nil {
			out.WriteString("null")
			return
		}
		out.Write(text)
	}
}

// jsonText is the JSON text of a parsed value.
func jsonText(value any) []byte {
	var out bytes.Buffer
	writeJSON(&out, value)
	return out.Bytes()
}

// jsonType names the JSON type of a parsed value, for messages: an integer is a
// number written without fraction or exponent.
func jsonType(value any) string {
	switch v := value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if isIntegerLiteral(v) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *jsonObject:
		return "object"
	default:
		return "unknown"
	}
}

// isIntegerLiteral reports whether a number is written without fraction or exponent.
func isIntegerLiteral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// jsonEqual is the equality of JSON values: numbers compare by value, objects by
// their members in any order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && numbersEqual(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jsonObject:
		y, ok := b.(*jsonObject)
		if !ok || len(x.values) != len(y.values) {
			return false
		}
		for name, value := range x.values {
			other, found := y.values[name]
			if !found || !jsonEqual(value, other) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

// numbersEqual compares two JSON numbers by value: integers exactly, others as
// doubles.
func numbersEqual(a, b json.Number) bool {
	if isIntegerLiteral(a) && isIntegerLiteral(b) {
		x, okX := new(big.Int).SetString(string(a), 10)
		y, okY := new(big.Int).SetString(string(b), 10)
		return okX && okY && x.Cmp(y) == 0
	}
	x, errX := strconv.ParseFloat(string(a), 64)
	y, errY := strconv.ParseFloat(string(b), 64)
	return errX == nil && errY == nil && x == y
}
