// {{ header }}

{% for line in doc -%}
// {{ line }}
{% endfor -%}
package {{ package }}
{% if json || fmt %}
import (
{%- if json %}
	"encoding/json"
{%- endif %}
{%- if fmt %}
	"fmt"
{%- endif %}
)
{% endif %}
{%- for m in models %}
{% match m %}
{%- when ModelView::Struct with { name, doc, fields, tag, extra, markers, files } %}
{%- for line in doc %}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
type {{ name }} struct {
{%- for f in fields %}
{%- for line in f.doc %}
	//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
	{{ f.name }} {{ f.ty }} {{ f.tag }}
{%- endfor %}
{%- if let Some((ty, _)) = extra %}
	// AdditionalProperties holds the properties the schema does not name.
	AdditionalProperties map[string]{{ ty }} `json:"-"`
{%- endif %}
}
{%- for marker in markers %}

func ({{ name }}) {{ marker }}() {}
{%- endfor %}
{%- if !files.is_empty() %}

// multipartFiles are the file parts of {{ name }}, by property.
func (b {{ name }}) multipartFiles() map[string][]File {
	files := map[string][]File{}
{%- for f in files %}
{%- if f.kind == "one" %}
	files[{{ f.wire }}] = []File{b.{{ f.field }}}
{%- else if f.kind == "optional" %}
	if b.{{ f.field }} != nil {
		files[{{ f.wire }}] = []File{*b.{{ f.field }}}
	}
{%- else %}
	files[{{ f.wire }}] = b.{{ f.field }}
{%- endif %}
{%- endfor %}
	return files
}

// setMultipartFiles sets the file properties of {{ name }} from its parts.
func (b *{{ name }}) setMultipartFiles(files map[string][]File) {
{%- for f in files %}
{%- if f.kind == "one" %}
	if found := files[{{ f.wire }}]; len(found) > 0 {
		b.{{ f.field }} = found[0]
	}
{%- else if f.kind == "optional" %}
	if found := files[{{ f.wire }}]; len(found) > 0 {
		b.{{ f.field }} = &found[0]
	}
{%- else %}
	b.{{ f.field }} = files[{{ f.wire }}]
{%- endif %}
{%- endfor %}
}
{%- endif %}
{%- if tag.is_some() || extra.is_some() %}

// MarshalJSON writes the object
{%- if let Some((property, value)) = tag %} with its discriminator {{ property }}: {{ value }}{% endif %}
{%- if extra.is_some() %} and its additional properties{% endif %}.
func (v {{ name }}) MarshalJSON() ([]byte, error) {
	type plain {{ name }}
{%- match extra %}
{%- when Some((_, _)) %}
	data, err := marshalWithExtra(plain(v), v.AdditionalProperties)
	if err != nil {
		return nil, err
	}
{%- if let Some((property, value)) = tag %}
	return marshalTagged({{ property }}, {{ value }}, json.RawMessage(data))
{%- else %}
	return data, nil
{%- endif %}
{%- when None %}
{%- if let Some((property, value)) = tag %}
	return marshalTagged({{ property }}, {{ value }}, plain(v))
{%- endif %}
{%- endmatch %}
}
{%- endif %}
{%- if let Some((ty, declared)) = extra %}

// UnmarshalJSON reads the object and its additional properties.
func (v *{{ name }}) UnmarshalJSON(data []byte) error {
	type plain {{ name }}
	if err := json.Unmarshal(data, (*plain)(v)); err != nil {
		return err
	}
	extra, err := unmarshalExtra[{{ ty }}](data{% for d in declared %}, {{ d }}{% endfor %})
	v.AdditionalProperties = extra
	return err
}
{%- endif %}
{%- when ModelView::Enum with { name, doc, base, constants } %}
{%- for line in doc %}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
type {{ name }} {{ base }}

// The values of {{ name }}.
const (
{%- for (constant, literal) in constants %}
	{{ constant }} {{ name }} = {{ literal }}
{%- endfor %}
)
{%- when ModelView::Union with { name, doc, value, marker, discriminator, variants } %}
{%- for line in doc %}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
//
// Value holds one of:{% for (_, variant) in variants %} {{ variant }}{% if !loop.last %},{% endif %}{% endfor %}; which one is told
// by the property {{ discriminator }}.
type {{ name }} struct {
	Value {{ value }}
}

// {{ value }} is a variant of {{ name }}.
type {{ value }} interface {
	{{ marker }}()
}

// MarshalJSON writes the variant, with its discriminator.
func (u {{ name }}) MarshalJSON() ([]byte, error) {
	if u.Value == nil {
		return nil, errNoVariant
	}
	return json.Marshal(u.Value)
}

// UnmarshalJSON reads the variant its discriminator names.
func (u *{{ name }}) UnmarshalJSON(data []byte) error {
	tag, err := unionTag(data, {{ discriminator }})
	if err != nil {
		return err
	}
	switch tag {
{%- for (tag, variant) in variants %}
	case {{ tag }}:
		var v {{ variant }}
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		u.Value = v
{%- endfor %}
	default:
		return fmt.Errorf("{{ name }}: unknown %s %q", {{ discriminator }}, tag)
	}
	return nil
}
{%- when ModelView::Alias with { name, doc, target } %}
{%- for line in doc %}
//{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
type {{ name }} = {{ target }}
{%- endmatch %}
{%- endfor %}
