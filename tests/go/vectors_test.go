// The shared validation vectors (tests/vectors) against the generated Go package:
// the exact multiset of (path, keyword) and the omitted count, then, for a valid
// value, a decode into the model and an encode that loses nothing the schema
// knows.
package gotests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	api "powersync-write-api"
)

type vector struct {
	file        string
	Description string          `json:"description"`
	Schema      string          `json:"schema"`
	Value       json.RawMessage `json:"value"`
	Errors      []struct {
		Path    string `json:"path"`
		Keyword string `json:"keyword"`
	} `json:"errors"`
	Omitted int `json:"omitted"`
}

func vectors(t *testing.T) []vector {
	t.Helper()
	files, err := filepath.Glob("../vectors/*/*.json")
	if err != nil || len(files) < 50 {
		t.Fatalf("expected the vectors in ../vectors, found %d (%v)", len(files), err)
	}
	out := make([]vector, 0, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		v.file = file
		out = append(out, v)
	}
	return out
}

func pairs(list [][2]string) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p[0] + " " + p[1]
	}
	sort.Strings(out)
	return out
}

func TestEveryVectorGetsItsVerdict(t *testing.T) {
	for _, v := range vectors(t) {
		found, err := api.Validate(v.Schema, v.Value)
		if err != nil {
			t.Errorf("%s: %v", v.file, err)
			continue
		}
		var got, want [][2]string
		for _, f := range found.Listed {
			got = append(got, [2]string{f.Path, f.Keyword})
		}
		for _, e := range v.Errors {
			want = append(want, [2]string{e.Path, e.Keyword})
		}
		if !reflect.DeepEqual(pairs(got), pairs(want)) || found.Omitted != v.Omitted {
			t.Errorf("%s:\n got  %v (+%d)\n want %v (+%d)", v.file, pairs(got), found.Omitted, pairs(want), v.Omitted)
		}
	}
}

// models are the generated types, by schema name.
var models = map[string]func() any{
	"CrudEntry":               func() any { return new(api.CrudEntry) },
	"CrudTransaction":         func() any { return new(api.CrudTransaction) },
	"ErrorResponse":           func() any { return new(api.ErrorResponse) },
	"HealthStatus":            func() any { return new(api.HealthStatus) },
	"TransactionNotAttempted": func() any { return new(api.TransactionNotAttempted) },
	"TransactionResult":       func() any { return new(api.TransactionResult) },
	"TransactionSuccess":      func() any { return new(api.TransactionSuccess) },
	"UpdateType":              func() any { return new(api.UpdateType) },
	"WriteBatch":              func() any { return new(api.WriteBatch) },
	"WriteBatchResponse":      func() any { return new(api.WriteBatchResponse) },
}

// schemaTable is the package's schemas.json, to tell which properties a schema
// declares.
func schemaTable(t *testing.T) map[string]any {
	data, err := os.ReadFile("../../generated/go/schemas.json")
	if err != nil {
		t.Fatal(err)
	}
	var table map[string]any
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	return table
}

// known is value without what schema does not declare (numbers as json.Number).
func known(table map[string]any, schema map[string]any, value any) any {
	for schema["type"] == "ref" {
		schema = table[schema["name"].(string)].(map[string]any)
	}
	switch schema["type"] {
	case "union":
		object := value.(map[string]any)
		variant := schema["mapping"].(map[string]any)[object[schema["discriminator"].(string)].(string)].(string)
		return known(table, table[variant].(map[string]any), value)
	case "object":
		object, ok := value.(map[string]any)
		if !ok {
			return value
		}
		out := map[string]any{}
		properties := schema["properties"].(map[string]any)
		for name, item := range object {
			if p, declared := properties[name]; declared {
				out[name] = known(table, p.(map[string]any)["schema"].(map[string]any), item)
			}
		}
		return out
	case "array":
		items, ok := value.([]any)
		if !ok {
			return value
		}
		out := make([]any, len(items))
		for i, item := range items {
			out[i] = known(table, schema["items"].(map[string]any), item)
		}
		return out
	default:
		return value
	}
}

func decodeNumbers(t *testing.T, data []byte) any {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var v any
	if err := decoder.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidVectorsDecodeAndEncodeWithoutLoss(t *testing.T) {
	table := schemaTable(t)
	checked := 0
	for _, v := range vectors(t) {
		if len(v.Errors) > 0 {
			continue
		}
		make, found := models[v.Schema]
		if !found {
			t.Errorf("%s: no model for %s in this test", v.file, v.Schema)
			continue
		}
		model := make()
		if err := json.Unmarshal(v.Value, model); err != nil {
			t.Errorf("%s: decoding: %v", v.file, err)
			continue
		}
		again, err := json.Marshal(model)
		if err != nil {
			t.Errorf("%s: encoding: %v", v.file, err)
			continue
		}
		want := known(table, table[v.Schema].(map[string]any), decodeNumbers(t, v.Value))
		if got := decodeNumbers(t, again); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n encoded %s\n want    %v", v.file, again, want)
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("only %d valid vectors", checked)
	}
}
