package api

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxViolations is the most violations one validation lists; it only counts the
// ones after them. The same in every language this project generates.
const MaxViolations = 100

// SchemaViolation is one problem found in a value.
type SchemaViolation struct {
	// Path is where: `$` is the value itself, `.name` a property, `[i]` an array element.
	Path string `json:"path"`
	// Keyword is the schema keyword that failed (`type`, `required`, `enum`, ...).
	Keyword string `json:"keyword"`
	// Message says what is wrong, for people.
	Message string `json:"message"`
}

// Violations is what a validation found: the first MaxViolations violations at
// most, in walk order, and the count of the others.
type Violations struct {
	Listed  []SchemaViolation
	Omitted int
}

// Valid reports whether nothing was found.
func (v *Violations) Valid() bool {
	return len(v.Listed) == 0 && v.Omitted == 0
}

// add records a violation: listed while fewer than MaxViolations are, else only
// counted. make runs only when the violation is listed, so nothing is built past
// the cap.
func (v *Violations) add(make func() SchemaViolation) {
	if len(v.Listed) < MaxViolations {
		v.Listed = append(v.Listed, make())
	} else {
		v.Omitted++
	}
}

// schemasJSON is the spec's schema table, shared with the other languages'
// validators.
//
//go:embed schemas.json
var schemasJSON []byte

type bound struct {
	value     json.Number
	exclusive bool
}

type property struct {
	name     string
	schema   *schema
	required bool
}

// schema is one entry of the schema table (see schemas.json), or a type use.
type schema struct {
	kind          string
	format        string
	nullable      bool
	enum          []any
	minimum       *bound
	maximum       *bound
	minLength     *int64
	maxLength     *int64
	minItems      *int64
	maxItems      *int64
	pattern       *string
	uniqueItems   bool
	perItem       bool
	items         *schema
	values        *schema
	name          string
	properties    []property
	additional    *schema
	discriminator string
	mapping       []string
	variants      map[string]string
}

var (
	schemaTableOnce sync.Once
	schemaTable     map[string]*schema
	schemaTableErr  error
)

// schemas is the spec's schema table, read once.
func schemas() map[string]*schema {
	schemaTableOnce.Do(func() {
		schemaTable, schemaTableErr = readSchemaTable(schemasJSON)
	})
	if schemaTableErr != nil {
		// schemas.json is written by the generator next to this file: a broken one
		// is a bug of the generator, never of a request.
		panic("schemas.json: " + schemaTableErr.Error())
	}
	return schemaTable
}

func readSchemaTable(data []byte) (map[string]*schema, error) {
	parsed, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	object, ok := parsed.(*jsonObject)
	if !ok {
		return nil, fmt.Errorf("expected an object")
	}
	table := map[string]*schema{}
	for _, name := range object.keys {
		s, err := readSchema(object.values[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		table[name] = s
	}
	return table, nil
}

// mustSchema reads a schema written by the generator (operations.go).
func mustSchema(text string) *schema {
	parsed, err := parseJSON([]byte(text))
	if err == nil {
		var s *schema
		if s, err = readSchema(parsed); err == nil {
			return s
		}
	}
	panic("a generated schema does not read: " + err.Error())
}

func readSchema(value any) (*schema, error) {
	object, ok := value.(*jsonObject)
	if !ok {
		return nil, fmt.Errorf("a schema must be an object")
	}
	s := &schema{}
	text := func(name string) string {
		v, _ := object.get(name)
		t, _ := v.(string)
		return t
	}
	count := func(name string) (*int64, error) {
		v, found := object.get(name)
		if !found {
			return nil, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s must be a number", name)
		}
		i, err := n.Int64()
		if err != nil {
			return nil, err
		}
		return &i, nil
	}
	readBound := func(name string) (*bound, error) {
		v, found := object.get(name)
		if !found {
			return nil, nil
		}
		b, ok := v.(*jsonObject)
		if !ok {
			return nil, fmt.Errorf("%s must be an object", name)
		}
		n, _ := b.values["value"].(json.Number)
		exclusive, _ := b.values["exclusive"].(bool)
		return &bound{value: n, exclusive: exclusive}, nil
	}
	sub := func(name string) (*schema, error) {
		v, found := object.get(name)
		if !found {
			return nil, nil
		}
		return readSchema(v)
	}
	var err error
	s.kind = text("type")
	s.format = text("format")
	s.name = text("name")
	s.discriminator = text("discriminator")
	s.nullable, _ = object.values["nullable"].(bool)
	s.uniqueItems, _ = object.values["uniqueItems"].(bool)
	s.perItem, _ = object.values["perItem"].(bool)
	if enum, found := object.get("enum"); found {
		s.enum, _ = enum.([]any)
	}
	if p, found := object.get("pattern"); found {
		text, _ := p.(string)
		s.pattern = &text
	}
	if s.minimum, err = readBound("minimum"); err != nil {
		return nil, err
	}
	if s.maximum, err = readBound("maximum"); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		into **int64
	}{{"minLength", &s.minLength}, {"maxLength", &s.maxLength}, {"minItems", &s.minItems}, {"maxItems", &s.maxItems}} {
		if *c.into, err = count(c.name); err != nil {
			return nil, err
		}
	}
	if s.items, err = sub("items"); err != nil {
		return nil, err
	}
	if s.values, err = sub("values"); err != nil {
		return nil, err
	}
	if s.additional, err = sub("additionalProperties"); err != nil {
		return nil, err
	}
	if props, found := object.get("properties"); found {
		p, ok := props.(*jsonObject)
		if !ok {
			return nil, fmt.Errorf("properties must be an object")
		}
		for _, name := range p.keys {
			entry, ok := p.values[name].(*jsonObject)
			if !ok {
				return nil, fmt.Errorf("property %s must be an object", name)
			}
			ps, err := readSchema(entry.values["schema"])
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", name, err)
			}
			required, _ := entry.values["required"].(bool)
			s.properties = append(s.properties, property{name: name, schema: ps, required: required})
		}
	}
	if mapping, found := object.get("mapping"); found {
		m, ok := mapping.(*jsonObject)
		if !ok {
			return nil, fmt.Errorf("mapping must be an object")
		}
		s.variants = map[string]string{}
		for _, tag := range m.keys {
			target, _ := m.values[tag].(string)
			s.mapping = append(s.mapping, tag)
			s.variants[tag] = target
		}
	}
	return s, nil
}

// resolve follows a schema's references to the named schema they end at.
func resolve(s *schema) *schema {
	for i := 0; s != nil && s.kind == "ref" && i <= len(schemas()); i++ {
		s = schemas()[s.name]
	}
	return s
}

// Validate checks a JSON text against the named schema of the spec. The error
// is for text that is not JSON, or a name that is not a schema of the spec.
func Validate(schemaName string, data []byte) (Violations, error) {
	s, found := schemas()[schemaName]
	if !found {
		return Violations{}, fmt.Errorf("the spec has no schema named %q", schemaName)
	}
	value, err := parseJSON(data)
	if err != nil {
		return Violations{}, fmt.Errorf("the value is not valid JSON: %w", err)
	}
	var out Violations
	check(s, value, "$", &out, false)
	return out, nil
}

// validateValue checks a parsed value, with paths from path, into out.
func validateValue(s *schema, value any, path string, out *Violations) {
	check(s, value, path, out, false)
}

// validateEnvelope checks a value without the items of its per-item arrays:
// what can make a request 400 when those items are validated one by one.
func validateEnvelope(s *schema, value any, path string, out *Violations) {
	check(s, value, path, out, true)
}

// perItemArrays are the properties of a body schema whose items a server
// validates one by one (`x-per-item-validation`): names and item schemas.
func perItemArrays(s *schema) []property {
	resolved := s
	if resolved.kind == "ref" {
		resolved = schemas()[resolved.name]
	}
	if resolved == nil || resolved.kind != "object" {
		return nil
	}
	var out []property
	for _, p := range resolved.properties {
		if p.schema.kind == "array" && p.schema.perItem {
			out = append(out, property{name: p.name, schema: p.schema.items})
		}
	}
	return out
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// propertyPath is the path of property name below path.
func propertyPath(path, name string) string {
	if identifier.MatchString(name) {
		return path + "." + name
	}
	escaped := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name)
	return path + "['" + escaped + "']"
}

func itemPath(path string, index int) string {
	return path + "[" + strconv.Itoa(index) + "]"
}

func typeViolation(out *Violations, path, expected string, value any) {
	out.add(func() SchemaViolation {
		return SchemaViolation{Path: path, Keyword: "type", Message: fmt.Sprintf("expected %s, found %s", expected, jsonType(value))}
	})
}

// check is the walk. With envelope, the items of per-item arrays are left out
// (their array's own keywords stay).
func check(s *schema, value any, path string, out *Violations, envelope bool) {
	if s == nil || s.kind == "any" {
		return
	}
	if value == nil && s.nullable {
		return
	}
	switch s.kind {
	case "ref":
		check(schemas()[s.name], value, path, out, envelope)
	case "boolean":
		if _, ok := value.(bool); !ok {
			typeViolation(out, path, "boolean", value)
		}
	case "integer":
		checkInteger(s, value, path, out)
	case "number":
		checkNumber(s, value, path, out)
	case "string":
		checkString(s, value, path, out)
	case "array":
		checkArray(s, value, path, out, envelope)
	case "map":
		object, ok := value.(*jsonObject)
		if !ok {
			typeViolation(out, path, "object", value)
			return
		}
		for _, name := range object.keys {
			check(s.values, object.values[name], propertyPath(path, name), out, envelope)
		}
	case "object":
		checkObject(s, value, path, out, envelope)
	case "union":
		checkUnion(s, value, path, out, envelope)
	}
}

// rat is a bound as an exact fraction (bounds come from the spec, never from a
// request, so their size is the spec's).
func rat(n json.Number) *big.Rat {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return new(big.Rat)
	}
	return r
}

func boundViolations(s *schema, compare func(b json.Number) int, path string, out *Violations) {
	if b := s.minimum; b != nil {
		c := compare(b.value)
		if c < 0 || (b.exclusive && c == 0) {
			op := ">="
			if b.exclusive {
				op = ">"
			}
			out.add(func() SchemaViolation {
				return SchemaViolation{Path: path, Keyword: "minimum", Message: fmt.Sprintf("must be %s %s", op, b.value)}
			})
		}
	}
	if b := s.maximum; b != nil {
		c := compare(b.value)
		if c > 0 || (b.exclusive && c == 0) {
			op := "<="
			if b.exclusive {
				op = "<"
			}
			out.add(func() SchemaViolation {
				return SchemaViolation{Path: path, Keyword: "maximum", Message: fmt.Sprintf("must be %s %s", op, b.value)}
			})
		}
	}
}

var (
	minInt32 = big.NewInt(-1 << 31)
	maxInt32 = big.NewInt(1<<31 - 1)
	minInt64 = big.NewInt(-1 << 63)
	maxInt64 = new(big.Int).SetUint64(1<<63 - 1)
)

// checkInteger: an integer is a JSON number without fraction or exponent, read
// exactly (however many digits), then held to its format's range.
func checkInteger(s *schema, value any, path string, out *Violations) {
	n, ok := value.(json.Number)
	var i *big.Int
	if ok && isIntegerLiteral(n) {
		i, ok = new(big.Int).SetString(string(n), 10)
	} else {
		ok = false
	}
	if !ok {
		typeViolation(out, path, "integer", value)
		return
	}
	if s.enum != nil {
		checkEnum(s, func(allowed any) bool {
			a, isNumber := allowed.(json.Number)
			return isNumber && numbersEqual(a, n)
		}, path, out)
		return
	}
	low, high, format := minInt64, maxInt64, "int64"
	if s.format == "int32" {
		low, high, format = minInt32, maxInt32, "int32"
	}
	if i.Cmp(low) < 0 || i.Cmp(high) > 0 {
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "format", Message: "is outside the " + format + " range"}
		})
	}
	exact := new(big.Rat).SetInt(i)
	boundViolations(s, func(b json.Number) int { return exact.Cmp(rat(b)) }, path, out)
}

func checkNumber(s *schema, value any, path string, out *Violations) {
	n, ok := value.(json.Number)
	if !ok {
		typeViolation(out, path, "number", value)
		return
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		// Beyond the range of a double: not a finite number.
		typeViolation(out, path, "number", value)
		return
	}
	if s.enum != nil {
		checkEnum(s, func(allowed any) bool {
			a, isNumber := allowed.(json.Number)
			if !isNumber {
				return false
			}
			g, err := strconv.ParseFloat(string(a), 64)
			return err == nil && g == f
		}, path, out)
		return
	}
	boundViolations(s, func(b json.Number) int {
		g, _ := strconv.ParseFloat(string(b), 64)
		switch {
		case f < g:
			return -1
		case f > g:
			return 1
		default:
			return 0
		}
	}, path, out)
}

func checkEnum(s *schema, equal func(allowed any) bool, path string, out *Violations) {
	for _, allowed := range s.enum {
		if equal(allowed) {
			return
		}
	}
	out.add(func() SchemaViolation {
		shown := make([]string, len(s.enum))
		for i, allowed := range s.enum {
			shown[i] = fmt.Sprint(allowed)
		}
		return SchemaViolation{Path: path, Keyword: "enum", Message: "must be one of " + strings.Join(shown, ", ")}
	})
}

var patterns sync.Map

// compiled is a pattern as a Go regular expression, compiled once. The generator
// refuses patterns that Go's syntax cannot express.
func compiled(pattern string) (*regexp.Regexp, error) {
	if found, ok := patterns.Load(pattern); ok {
		return found.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	patterns.Store(pattern, re)
	return re, nil
}

func checkString(s *schema, value any, path string, out *Violations) {
	text, ok := value.(string)
	if !ok {
		typeViolation(out, path, "string", value)
		return
	}
	if s.enum != nil {
		checkEnum(s, func(allowed any) bool { return allowed == text }, path, out)
	}
	// Lengths count Unicode code points.
	length := int64(utf8.RuneCountInString(text))
	if s.minLength != nil && length < *s.minLength {
		limit := *s.minLength
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "minLength", Message: fmt.Sprintf("must be at least %d characters long", limit)}
		})
	}
	if s.maxLength != nil && length > *s.maxLength {
		limit := *s.maxLength
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "maxLength", Message: fmt.Sprintf("must be at most %d characters long", limit)}
		})
	}
	if s.pattern != nil {
		pattern := *s.pattern
		re, err := compiled(pattern)
		if err != nil || !re.MatchString(text) {
			out.add(func() SchemaViolation {
				return SchemaViolation{Path: path, Keyword: "pattern", Message: fmt.Sprintf("must match the pattern `%s`", pattern)}
			})
		}
	}
}

func checkArray(s *schema, value any, path string, out *Violations, envelope bool) {
	items, ok := value.([]any)
	if !ok {
		typeViolation(out, path, "array", value)
		return
	}
	length := int64(len(items))
	if s.minItems != nil && length < *s.minItems {
		limit := *s.minItems
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "minItems", Message: fmt.Sprintf("must have at least %d items", limit)}
		})
	}
	if s.maxItems != nil && length > *s.maxItems {
		limit := *s.maxItems
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "maxItems", Message: fmt.Sprintf("must have at most %d items", limit)}
		})
	}
	if s.uniqueItems && hasDuplicates(items) {
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: path, Keyword: "uniqueItems", Message: "items must be unique"}
		})
	}
	if envelope && s.perItem {
		return
	}
	for i, item := range items {
		check(s.items, item, itemPath(path, i), out, envelope)
	}
}

func hasDuplicates(items []any) bool {
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			if jsonEqual(items[i], items[j]) {
				return true
			}
		}
	}
	return false
}

func checkObject(s *schema, value any, path string, out *Violations, envelope bool) {
	object, ok := value.(*jsonObject)
	if !ok {
		typeViolation(out, path, "object", value)
		return
	}
	for _, p := range s.properties {
		if item, found := object.get(p.name); found {
			check(p.schema, item, propertyPath(path, p.name), out, envelope)
		} else if p.required {
			name := p.name
			out.add(func() SchemaViolation {
				return SchemaViolation{Path: propertyPath(path, name), Keyword: "required", Message: fmt.Sprintf("the property `%s` is required", name)}
			})
		}
	}
	if s.additional != nil {
		for _, name := range object.keys {
			if !s.declares(name) {
				check(s.additional, object.values[name], propertyPath(path, name), out, envelope)
			}
		}
	}
}

func (s *schema) declares(name string) bool {
	for _, p := range s.properties {
		if p.name == name {
			return true
		}
	}
	return false
}

func checkUnion(s *schema, value any, path string, out *Violations, envelope bool) {
	object, ok := value.(*jsonObject)
	if !ok {
		typeViolation(out, path, "object", value)
		return
	}
	tagPath := propertyPath(path, s.discriminator)
	raw, found := object.get(s.discriminator)
	if !found {
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: tagPath, Keyword: "required", Message: fmt.Sprintf("the property `%s` is required", s.discriminator)}
		})
		return
	}
	tag, ok := raw.(string)
	if !ok {
		typeViolation(out, tagPath, "string", raw)
		return
	}
	variant, known := s.variants[tag]
	if !known {
		out.add(func() SchemaViolation {
			return SchemaViolation{Path: tagPath, Keyword: "discriminator", Message: "must be one of " + strings.Join(s.mapping, ", ")}
		})
		return
	}
	check(schemas()[variant], value, path, out, envelope)
}

// project keeps of a valid value only what its schema declares: the properties
// an object lists (or all of them where it has additionalProperties), all the
// members of a map, any value where any is allowed. Typed decoding reads the
// projection, so a property the schema does not know can never reach a Go field
// (encoding/json matches names without regard to case).
func project(s *schema, value any) any {
	if s == nil || value == nil {
		return value
	}
	switch s.kind {
	case "ref":
		return project(schemas()[s.name], value)
	case "array":
		items, ok := value.([]any)
		if !ok {
			return value
		}
		kept := make([]any, len(items))
		for i, item := range items {
			kept[i] = project(s.items, item)
		}
		return kept
	case "map":
		object, ok := value.(*jsonObject)
		if !ok {
			return value
		}
		kept := newJSONObject()
		for _, name := range object.keys {
			kept.set(name, project(s.values, object.values[name]))
		}
		return kept
	case "object":
		object, ok := value.(*jsonObject)
		if !ok {
			return value
		}
		kept := newJSONObject()
		for _, name := range object.keys {
			for _, p := range s.properties {
				if p.name == name {
					kept.set(name, project(p.schema, object.values[name]))
				}
			}
			if s.additional != nil && !s.declares(name) {
				kept.set(name, project(s.additional, object.values[name]))
			}
		}
		return kept
	case "union":
		object, ok := value.(*jsonObject)
		if !ok {
			return value
		}
		tag, _ := object.values[s.discriminator].(string)
		variant, known := s.variants[tag]
		if !known {
			return value
		}
		return project(schemas()[variant], value)
	default:
		return value
	}
}
