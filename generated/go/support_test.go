// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

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
