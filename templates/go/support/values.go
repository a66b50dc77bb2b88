package api

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Nullable is a value that may be JSON null: Valid false stands for null. A
// property that may be null and may also be left out is an Optional[Nullable[T]].
type Nullable[T any] struct {
	Value T
	Valid bool
}

// NewNullable is a Nullable holding value.
func NewNullable[T any](value T) Nullable[T] {
	return Nullable[T]{Value: value, Valid: true}
}

// Null is the Nullable that stands for null.
func Null[T any]() Nullable[T] {
	return Nullable[T]{}
}

// MarshalJSON writes the value, or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// UnmarshalJSON reads null, or a value.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		var zero T
		n.Value, n.Valid = zero, false
		return nil
	}
	n.Valid = true
	return json.Unmarshal(data, &n.Value)
}

// Optional is a property that may be left out and whose value may be null
// (Optional[Nullable[T]]): Set false leaves it out (with `omitzero`).
type Optional[T any] struct {
	Value T
	Set   bool
}

// Some is an Optional that is set.
func Some[T any](value T) Optional[T] {
	return Optional[T]{Value: value, Set: true}
}

// IsZero reports whether the property is left out (for `omitzero`).
func (o Optional[T]) IsZero() bool {
	return !o.Set
}

// MarshalJSON writes the value.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.Value)
}

// UnmarshalJSON reads a present property's value (null included).
func (o *Optional[T]) UnmarshalJSON(data []byte) error {
	o.Set = true
	return json.Unmarshal(data, &o.Value)
}

// Checked is an item of an array that a server validates one item at a time
// (`x-per-item-validation`): valid and decoded, or as received with its
// violations (paths from the request body's root, the first MaxViolations listed,
// the count of the others in ViolationsOmitted).
type Checked[T any] struct {
	// Valid reports whether the item matches its schema; Value is set only then.
	Valid bool
	Value T
	// Raw is the item's JSON as received, valid or not.
	Raw               json.RawMessage
	Violations        []SchemaViolation
	ViolationsOmitted int
}

// checkedWire is how the server hands a checked item to typed decoding.
type checkedWire struct {
	Raw json.RawMessage `json:"raw"`
	// Value is the valid item as typed decoding reads it: only what its schema
	// declares.
	Value             json.RawMessage   `json:"value"`
	Violations        []SchemaViolation `json:"violations"`
	ViolationsOmitted int               `json:"violations_omitted"`
}

// MarshalJSON writes the item as received.
func (c Checked[T]) MarshalJSON() ([]byte, error) {
	if c.Raw == nil {
		return json.Marshal(c.Value)
	}
	return c.Raw, nil
}

// UnmarshalJSON reads the server's report on one item ({raw, value} or {raw,
// violations, violations_omitted}); a valid item is decoded into Value.
func (c *Checked[T]) UnmarshalJSON(data []byte) error {
	var wire checkedWire
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	c.Raw, c.Violations, c.ViolationsOmitted = wire.Raw, wire.Violations, wire.ViolationsOmitted
	c.Valid = len(wire.Violations) == 0 && wire.ViolationsOmitted == 0
	if !c.Valid {
		return nil
	}
	return json.Unmarshal(wire.Value, &c.Value)
}

// marshalTagged writes a union variant's fields (encoded as plain, an object)
// with the discriminator property first.
func marshalTagged(property, tag string, plain any) ([]byte, error) {
	body, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("a union variant must encode as an object, not %s", body)
	}
	name, _ := json.Marshal(property)
	value, _ := json.Marshal(tag)
	var out bytes.Buffer
	out.WriteByte('{')
	out.Write(name)
	out.WriteByte(':')
	out.Write(value)
	if string(body) != "{}" {
		out.WriteByte(',')
	}
	out.Write(body[1:])
	return out.Bytes(), nil
}

// unionTag reads the discriminator of a union's JSON.
func unionTag(data []byte, property string) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return "", err
	}
	raw, found := members[property]
	if !found {
		return "", fmt.Errorf("the property %q is missing", property)
	}
	var tag string
	if err := json.Unmarshal(raw, &tag); err != nil {
		return "", fmt.Errorf("the property %q is not a string", property)
	}
	return tag, nil
}

// errNoVariant is the union's error for a value that holds no variant.
var errNoVariant = errors.New("the union holds no variant")

// marshalWithExtra writes an object's declared fields (encoded as plain) and its
// other properties (extra), declared ones first.
func marshalWithExtra[T any](plain any, extra map[string]T) ([]byte, error) {
	body, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	if len(extra) == 0 {
		return body, nil
	}
	more, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	if string(body) == "{}" {
		return more, nil
	}
	out := append(body[:len(body)-1:len(body)-1], ',')
	return append(out, more[1:]...), nil
}

// unmarshalExtra reads the properties of an object that are not declared.
func unmarshalExtra[T any](data []byte, declared ...string) (map[string]T, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, err
	}
	var extra map[string]T
	for name, raw := range members {
		known := false
		for _, d := range declared {
			if d == name {
				known = true
				break
			}
		}
		if known {
			continue
		}
		var value T
		if err := json.Unmarshal(raw, &value); err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		if extra == nil {
			extra = map[string]T{}
		}
		extra[name] = value
	}
	return extra, nil
}
