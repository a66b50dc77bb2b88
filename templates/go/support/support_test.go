package api

import "testing"

func TestParseJSONKeepsOrder(t *testing.T) {
	v, err := parseJSON([]byte(`{"b":1,"a":2,"b":3}`))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*jsonObject)
	if len(o.keys) != 2 || o.keys[0] != "b" || o.keys[1] != "a" {
		t.Fatalf("keys %v", o.keys)
	}
}
