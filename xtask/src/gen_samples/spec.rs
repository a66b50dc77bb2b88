//! Random OpenAPI 3.0 documents inside the generator's supported subset, from a
//! seed: the same seed always gives the same document.
//!
//! Names are drawn from pools chosen to stress every target's naming: reserved
//! words of Rust and TypeScript, leading digits, snake/camel/kebab/space mixes
//! that collide after case conversion, built-in type names, names of
//! `Object.prototype`'s members (`constructor`, `toString`, `__proto__`) and very
//! long names.
//! Descriptions and patterns carry comment terminators, quotes, backslashes and
//! Markdown. Shapes: objects (required/optional, nullable), scalars with formats
//! and constraints, arrays, maps, `$ref`s (acyclic, plus optional self-recursion),
//! string, integer and number enums, tagged unions (oneOf + discriminator + mapping),
//! and 1-3 operations with path/query/header parameters (scalars and arrays, in every
//! supported style), request bodies (JSON, a form, multipart with files, text, raw
//! bytes, JSON beside XML) and responses (JSON, text, raw bytes), and bearer or apiKey
//! security.

use serde_json::{Map, Value, json};

/// A small deterministic generator (splitmix64): no dependency, stable across
/// versions, so a seed printed today reproduces the same spec tomorrow.
pub struct Rng {
    state: u64,
    /// The [`stem`]s of the object schemas and operations so far.
    stems: Vec<String>,
}

/// A name as lowering's hoisting sees it: `list_item`, `listItem` and `ListItem`
/// all hoist their inline schemas as `ListItem<Property>`. Two objects (or two
/// operations) with one stem would make lowering refuse the spec (a name
/// collision it reports with advice), so the specs keep stems unique while the
/// names themselves still collide after case conversion in the targets.
fn stem(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: seed,
            stems: Vec::new(),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Claims `name`'s [`stem`]; false if an earlier object or operation has it.
    fn claim_stem(&mut self, name: &str) -> bool {
        let stem = stem(name);
        if self.stems.contains(&stem) {
            return false;
        }
        self.stems.push(stem);
        true
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A name or description from `pool`.
    fn text(&mut self, pool: &[&'static str]) -> &'static str {
        pool[self.below(pool.len())]
    }
}

/// Schema (type) names.
const TYPE_NAMES: &[&str] = &[
    "Todo",
    "ListItem",
    "list_item",
    "list-item",
    "listItem",
    "LISTITEM",
    "type",
    "match",
    "default",
    "class",
    "delete",
    "in",
    "Self",
    "self",
    "crate",
    "super",
    "async",
    "fn",
    "enum",
    "interface",
    "function",
    "Error",
    "Promise",
    "Record",
    "Map",
    "String",
    "Option",
    "Result",
    "Vec",
    "Box",
    "Some",
    "None",
    "Object",
    "3dModel",
    "2fa_token",
    "user profile",
    "v1.Item",
    "Schema",
    "Violations",
    "Client",
    "AVeryLongSchemaNameThatKeepsGoingAndGoingSoThatEveryTargetHasToWrapTheLinesThatMentionIt",
];

/// Property, parameter and discriminator names.
const FIELD_NAMES: &[&str] = &[
    "id",
    "name",
    "type",
    "match",
    "default",
    "class",
    "delete",
    "in",
    "self",
    "Self",
    "async",
    "await",
    "let",
    "fn",
    "new",
    "function",
    "constructor",
    "toString",
    "prototype",
    "__proto__",
    "user_name",
    "userName",
    "user-name",
    "UserName",
    "user name",
    "2fa",
    "_private",
    "x-trace",
    "value",
    "status",
    "kind",
    "this_is_a_deliberately_long_property_name_so_that_lines_mentioning_it_must_wrap",
];

/// Operation ids.
const OPERATION_IDS: &[&str] = &[
    "getItem",
    "get_item",
    "get-item",
    "GetItem",
    "listItems",
    "delete",
    "type",
    "match",
    "default",
    "new",
    "authenticate",
    "constructor",
    "valueOf",
    "uploadData",
    "2step",
    "createAVeryLongOperationNameThatIsLongEnoughToForceLineWrappingInEveryTargetLanguage",
];

/// Enum values.
const ENUM_VALUES: &[&str] = &[
    "open",
    "done",
    "in_progress",
    "in-progress",
    "InProgress",
    "IN PROGRESS",
    "type",
    "default",
    "self",
    "None",
    "constructor",
    "1st",
    "a.b",
    "it's",
    "say \"hi\"",
    "back\\slash",
    "*/",
    "${x}",
    "",
    "an_enum_value_long_enough_to_push_a_union_of_string_literals_past_eighty_columns",
];

/// Integer enum values: negatives, zero, the int32 limits, the largest integer a
/// JavaScript number holds exactly.
const INTEGER_ENUM_VALUES: &[i64] = &[
    0,
    1,
    2,
    -1,
    10,
    404,
    2_147_483_647,
    -2_147_483_648,
    9_007_199_254_740_991,
];

/// Number enum values, as JSON: integers and fractions, negatives, exponents.
const NUMBER_ENUM_VALUES: &[&str] = &[
    "0.5",
    "1",
    "1.5",
    "-2.25",
    "0.125",
    "1e-7",
    "100",
    "-0.75",
    "3.141592653589793",
];

/// Descriptions: comment terminators, quotes, Markdown, templates, newlines.
const DESCRIPTIONS: &[&str] = &[
    "A plain description.",
    "Ends a block comment too early: */ and starts one: /* and a doc line ///.",
    "Quotes ' \" and a backtick ` and a backslash \\ and a dollar ${x}.",
    "Closes a doc comment */ early, then quotes ' \" and a backslash \\ and ${x}.",
    "Markdown: *emphasis*, _under_, | a | table |, <b>html</b>, [link](x), # heading.",
    "Two lines.\nThe second line.\n\n- a list item\n- another",
    "Bullets and strong text:\n\n* __one__\n* two",
    "Askama-like braces {{ x }} {% if %} {# c #}.",
    "Trailing spaces and tabs\t  ",
    "A long description that goes on and on so that any target that puts it on one line next to code has to wrap it somewhere sensible, or keep it as a comment on its own lines.",
];

/// Patterns: anchors, classes, escapes and quotes.
const PATTERNS: &[&str] = &[
    "^[a-z]+$",
    "^\\d{3}-\\d{4}$",
    "^[^/\"']*$",
    "^(a|b)+\\.c$",
    "^\\w+@\\w+\\.\\w{2,}$",
    "^[\\s\\S]{0,10}$",
];

const TITLES: &[&str] = &[
    "Sample API",
    "match",
    "Default Class",
    "PowerSync Write API",
    "2nd API",
    "a very long API title that becomes a very long client class name in every target",
];

/// One generated document.
pub fn spec(rng: &mut Rng) -> Value {
    let mut schemas = Map::new();
    // Named object and enum schemas; a `$ref` only points at an earlier one
    // (no required cycles), except an optional array of the object itself.
    let mut names: Vec<String> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let name = rng.text(TYPE_NAMES).to_string();
        let is_enum = rng.chance(20);
        // Enums hoist nothing: their names may share a stem.
        if names.contains(&name) || !is_enum && !rng.claim_stem(&name) {
            continue;
        }
        let schema = if is_enum {
            an_enum(rng)
        } else {
            let own = object(rng, &names, Some(&name));
            let bases: Vec<&String> = names
                .iter()
                // Lowering merges members with `properties` and `required` only.
                .filter(|n| {
                    schemas.get(n.as_str()).is_some_and(|s| {
                        s.get("properties").is_some() && s.get("additionalProperties").is_none()
                    })
                })
                .collect();
            if !bases.is_empty() && rng.chance(15) {
                // `allOf` merges the base's properties with the object's own; the
                // two must not define one property differently.
                let base = bases[rng.below(bases.len())].clone();
                let theirs = schemas[base.as_str()]["properties"].clone();
                let mut own = own;
                own.as_object_mut()
                    .map(|o| o.remove("additionalProperties"));
                let mut kept: Vec<String> = Vec::new();
                if let Some(Value::Object(mine)) = own.get_mut("properties") {
                    mine.retain(|k, _| theirs.get(k).is_none());
                    kept = mine.keys().cloned().collect();
                }
                if let Some(Value::Array(required)) = own.get_mut("required") {
                    required.retain(|r| r.as_str().is_some_and(|r| kept.iter().any(|k| k == r)));
                    if required.is_empty() {
                        own.as_object_mut().map(|o| o.remove("required"));
                    }
                }
                json!({"allOf": [reference(&base), own]})
            } else {
                own
            }
        };
        schemas.insert(name.clone(), schema);
        names.push(name);
    }
    let mut refs: Vec<String> = names.clone();
    if rng.chance(35) {
        union(rng, &mut schemas, &names, &mut refs);
    }

    let mut security_schemes = Map::new();
    if rng.chance(50) {
        security_schemes.insert(
            "bearerAuth".into(),
            json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        );
    }
    if rng.chance(25) {
        security_schemes.insert(
            "apiKey".into(),
            json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"}),
        );
    }
    let scheme_names: Vec<String> = security_schemes.keys().cloned().collect();

    let mut paths = Map::new();
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let id = rng.text(OPERATION_IDS).to_string();
        if !rng.claim_stem(&id) {
            continue;
        }
        if ids.contains(&id) {
            continue;
        }
        ids.push(id.clone());
        let (path, operation, method) = operation(rng, &id, &refs, &scheme_names);
        // Paths that differ only in their parameters' names are one path, which
        // OpenAPI forbids.
        if paths
            .keys()
            .any(|p| *p != path && template_shape(p) == template_shape(&path))
        {
            continue;
        }
        let item = paths
            .entry(path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item
            && !item.contains_key(method)
        {
            item.insert(method.to_string(), operation);
        }
    }

    let mut document_security = None;
    if !scheme_names.is_empty() && rng.chance(30) {
        let scheme = rng.pick(&scheme_names).clone();
        document_security = Some(json!([{scheme: []}]));
    }
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if !security_schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(security_schemes));
    }
    let mut document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": rng.text(TITLES),
            "version": "1.0.0",
            "description": rng.text(DESCRIPTIONS),
        },
        "paths": paths,
        "components": components,
    });
    if let Some(security) = document_security {
        document["security"] = security;
    }
    document
}

/// A path with its parameters' names left out: `/a/{}/b`.
fn template_shape(path: &str) -> String {
    let mut shape = String::new();
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                shape.push_str("{}");
            }
            '}' => in_name = false,
            _ if !in_name => shape.push(c),
            _ => {}
        }
    }
    shape
}

/// A string enum, or (one time in three) an integer or number enum.
fn an_enum(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => integer_enum(rng),
        1 => number_enum(rng),
        _ => string_enum(rng),
    }
}

/// An integer enum, `int32`, `int64` or without a format; sometimes nullable with
/// `null` listed.
fn integer_enum(rng: &mut Rng) -> Value {
    let format = *rng.pick(&[None, Some("int32"), Some("int64")]);
    let mut values: Vec<Value> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let v = *rng.pick(INTEGER_ENUM_VALUES);
        let fits = format != Some("int32") || i32::try_from(v).is_ok();
        if fits && !values.contains(&json!(v)) {
            values.push(json!(v));
        }
    }
    if values.is_empty() {
        values.push(json!(1));
    }
    let mut schema = json!({"type": "integer"});
    if let Some(format) = format {
        schema["format"] = json!(format);
    }
    numeric_enum_tail(rng, schema, values)
}

/// A number enum, `float`, `double` or without a format.
fn number_enum(rng: &mut Rng) -> Value {
    let format = *rng.pick(&[None, Some("float"), Some("double")]);
    let mut values: Vec<Value> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let text: &&str = rng.pick(NUMBER_ENUM_VALUES);
        let v: Value = serde_json::from_str(text).unwrap_or(json!(1));
        // Numbers compare as numbers: `1` and `1.0` would be one value twice.
        if !values.iter().any(|w| w.as_f64() == v.as_f64()) {
            values.push(v);
        }
    }
    let mut schema = json!({"type": "number"});
    if let Some(format) = format {
        schema["format"] = json!(format);
    }
    numeric_enum_tail(rng, schema, values)
}

fn numeric_enum_tail(rng: &mut Rng, mut schema: Value, mut values: Vec<Value>) -> Value {
    if rng.chance(20) {
        schema["nullable"] = json!(true);
        values.push(Value::Null);
    }
    schema["enum"] = json!(values);
    if rng.chance(30) {
        schema["description"] = json!(rng.text(DESCRIPTIONS));
    }
    schema
}

fn string_enum(rng: &mut Rng) -> Value {
    let mut values: Vec<&str> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let v = rng.text(ENUM_VALUES);
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let mut schema = json!({"type": "string", "enum": values});
    if rng.chance(30) {
        schema["description"] = json!(rng.text(DESCRIPTIONS));
    }
    schema
}

/// `#/components/schemas/<name>`, with `~` and `/` escaped.
fn reference(name: &str) -> Value {
    let escaped = name.replace('~', "~0").replace('/', "~1");
    json!({"$ref": format!("#/components/schemas/{escaped}")})
}

/// An object schema; its properties may `$ref` the `earlier` schemas, and (when
/// `own` is given) hold an optional array of the object itself.
fn object(rng: &mut Rng, earlier: &[String], own: Option<&String>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut hoisted_stems: Vec<String> = Vec::new();
    for _ in 0..rng.range(0, 5) {
        let field = rng.text(FIELD_NAMES);
        if properties.contains_key(field) {
            continue;
        }
        let value = property(rng, earlier, 2);
        // An inline enum is hoisted as `<Object><Property>`.
        let hoisted = {
            let text = value.to_string();
            text.contains("\"enum\"") || text.contains("\"properties\"")
        };
        if hoisted && hoisted_stems.contains(&stem(field)) {
            continue;
        }
        if hoisted {
            hoisted_stems.push(stem(field));
        }
        if rng.chance(50) {
            required.push(field);
        }
        properties.insert(field.to_string(), value);
    }
    if let Some(own) = own
        && rng.chance(10)
    {
        properties.insert(
            "children".into(),
            json!({"type": "array", "items": reference(own)}),
        );
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if rng.chance(25) {
        schema["description"] = json!(rng.text(DESCRIPTIONS));
    }
    if rng.chance(10) {
        schema["additionalProperties"] = json!({"type": "string"});
    }
    schema
}

/// A property's schema: a scalar, an array, a map or a `$ref`; `depth` bounds
/// nesting.
fn property(rng: &mut Rng, earlier: &[String], depth: usize) -> Value {
    let kinds = if depth == 0 { 5 } else { 9 };
    let mut schema = match rng.below(kinds) {
        0 => {
            let mut s = json!({"type": "string"});
            match rng.below(6) {
                0 => s["minLength"] = json!(rng.range(0, 3)),
                1 => s["maxLength"] = json!(rng.range(3, 40)),
                2 => s["pattern"] = json!(rng.text(PATTERNS)),
                3 => s["format"] = json!(rng.pick(&["uuid", "date-time", "email", "byte"])),
                _ => {}
            }
            s
        }
        1 => {
            let mut s = json!({"type": "integer", "format": rng.pick(&["int32", "int64"])});
            if rng.chance(40) {
                s["minimum"] = json!(0);
            }
            if rng.chance(30) {
                s["maximum"] = json!(rng.range(1, 1000));
                if rng.chance(50) {
                    s["exclusiveMaximum"] = json!(true);
                }
            }
            s
        }
        2 => {
            let mut s = json!({"type": "number"});
            if rng.chance(50) {
                s["format"] = json!(rng.pick(&["float", "double"]));
            }
            if rng.chance(30) {
                s["minimum"] = json!(-1.5);
            }
            s
        }
        3 => json!({"type": "boolean"}),
        4 => match earlier.len() {
            0 => an_enum(rng),
            n => reference(&earlier[rng.below(n)]),
        },
        5 => {
            let mut s = json!({"type": "array", "items": property(rng, earlier, depth - 1)});
            if rng.chance(30) {
                s["minItems"] = json!(1);
                s["maxItems"] = json!(rng.range(1, 10));
            }
            if rng.chance(20) {
                s["uniqueItems"] = json!(true);
            }
            s
        }
        6 => json!({"type": "object", "additionalProperties": property(rng, earlier, depth - 1)}),
        7 => an_enum(rng),
        _ => {
            // An inline object, hoisted by lowering as `<Parent><Property>`.
            let field = rng.text(FIELD_NAMES);
            let mut s =
                json!({"type": "object", "properties": {field: property(rng, earlier, depth - 1)}});
            if rng.chance(50) {
                s["required"] = json!([field]);
            }
            s
        }
    };
    if rng.chance(10) {
        match schema.get("type").and_then(Value::as_str) {
            Some("string") if schema.get("enum").is_none() && schema.get("pattern").is_none() => {
                schema["default"] = json!("it's \"quoted\"");
                schema["example"] = json!("*/ example");
            }
            Some("integer")
                if schema.get("minimum").is_none()
                    && schema.get("maximum").is_none()
                    && schema.get("enum").is_none() =>
            {
                schema["default"] = json!(0);
            }
            Some("boolean") => schema["default"] = json!(true),
            _ => {}
        }
    }
    if rng.chance(5) {
        schema["deprecated"] = json!(true);
    }
    if rng.chance(20) {
        if schema.get("$ref").is_some() {
            schema = json!({"allOf": [schema], "nullable": true});
        } else {
            schema["nullable"] = json!(true);
        }
    }
    if rng.chance(15) && schema.get("allOf").is_none() && schema.get("$ref").is_none() {
        schema["description"] = json!(rng.text(DESCRIPTIONS));
    }
    schema
}

/// A tagged union over 2-3 new variant objects, each with a required one-value
/// tag enum and a mapping entry; the union (not its variants) becomes usable.
fn union(
    rng: &mut Rng,
    schemas: &mut Map<String, Value>,
    earlier: &[String],
    refs: &mut Vec<String>,
) {
    let tag = rng.text(&["type", "kind", "status", "match", "user-name", "default"]);
    let union_name = format!("{}Union", rng.text(TYPE_NAMES));
    if schemas.contains_key(&union_name) {
        return;
    }
    let mut variants = Vec::new();
    let mut mapping = Map::new();
    for i in 0..rng.range(2, 3) {
        let name = format!("{}Variant{i}", rng.text(TYPE_NAMES));
        if schemas.contains_key(&name) || variants.contains(&name) || !rng.claim_stem(&name) {
            continue;
        }
        let mut value = rng.text(ENUM_VALUES).to_string();
        if value.is_empty() || mapping.contains_key(&value) {
            value = format!("variant_{i}");
        }
        let mut variant = object(rng, earlier, None);
        if let Some(Value::Object(properties)) = variant.get_mut("properties") {
            properties.insert(tag.to_string(), json!({"type": "string", "enum": [value]}));
        }
        let mut required: Vec<Value> = variant
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !required.iter().any(|r| r == tag) {
            required.push(json!(tag));
        }
        variant["required"] = json!(required);
        mapping.insert(value, json!(format!("#/components/schemas/{name}")));
        schemas.insert(name.clone(), variant);
        variants.push(name);
    }
    if variants.len() < 2 {
        return;
    }
    let one_of: Vec<Value> = variants.iter().map(|v| reference(v)).collect();
    schemas.insert(
        union_name.clone(),
        json!({
            "oneOf": one_of,
            "discriminator": {"propertyName": tag, "mapping": mapping},
        }),
    );
    refs.push(union_name);
}

/// One operation: `(path, operation object, method)`.
fn operation(
    rng: &mut Rng,
    id: &str,
    refs: &[String],
    schemes: &[String],
) -> (String, Value, &'static str) {
    let method = *rng.pick(&["get", "post", "put", "delete"]);
    let mut path = format!("/{}", rng.pick(&["items", "a/b", "things-and-stuff", "v1"]));
    let mut parameters = Vec::new();
    let mut used: Vec<(&str, &str)> = Vec::new();
    for _ in 0..rng.range(0, 2) {
        let name = rng.text(FIELD_NAMES);
        if used.iter().any(|(n, _)| stem(n) == stem(name)) {
            continue;
        }
        used.push((name, "path"));
        path.push_str(&format!("/{{{name}}}"));
        let mut p = json!({
            "name": name, "in": "path", "required": true, "schema": parameter_schema(rng, true),
        });
        serialization(rng, &mut p);
        parameters.push(p);
    }
    for _ in 0..rng.range(0, 3) {
        let name = rng.text(FIELD_NAMES);
        let location = *rng.pick(&["query", "query", "header"]);
        // A header's name is case-insensitive: keep one spelling per name.
        // One parameter per stem, whatever its location: two inline enums called
        // `x` or `X` of one operation would both be hoisted as `<OperationId>X`
        // (a collision lowering refuses, with advice).
        if used.iter().any(|(n, _)| stem(n) == stem(name)) {
            continue;
        }
        used.push((name, location));
        let mut p = json!({
            "name": name,
            "in": location,
            "required": rng.chance(40),
            "schema": parameter_schema(rng, true),
        });
        if rng.chance(20) {
            p["description"] = json!(rng.text(DESCRIPTIONS));
        }
        serialization(rng, &mut p);
        parameters.push(p);
    }
    let mut op = json!({"operationId": id, "responses": responses(rng, refs)});
    if !parameters.is_empty() {
        op["parameters"] = json!(parameters);
    }
    if rng.chance(30) {
        op["summary"] = json!(rng.text(DESCRIPTIONS));
    }
    if method != "get" && method != "delete" && rng.chance(70) {
        let content = request_content(rng, refs);
        op["requestBody"] = json!({
            "required": rng.chance(70),
            "content": content,
        });
    }
    if !schemes.is_empty() && rng.chance(60) {
        op["security"] = match rng.below(4) {
            0 => json!([]),
            1 => json!(
                schemes
                    .iter()
                    .map(|s| json!({s.as_str(): []}))
                    .collect::<Vec<_>>()
            ),
            _ => json!([{rng.pick(schemes).as_str(): []}]),
        };
    }
    (path, op, method)
}

/// Sometimes a `style` and `explode` of the parameter's location: the defaults
/// spelled out, and in the query an array comma-, space- or pipe-separated.
fn serialization(rng: &mut Rng, p: &mut Value) {
    let array = p["schema"]["type"] == "array";
    match p["in"].as_str() {
        Some("query") => match rng.below(if array { 5 } else { 3 }) {
            0 => p["explode"] = json!(false),
            1 => {
                p["style"] = json!("form");
                p["explode"] = json!(rng.chance(50));
            }
            3 => p["style"] = json!("spaceDelimited"),
            4 => {
                p["style"] = json!("pipeDelimited");
                p["explode"] = json!(false);
            }
            _ => {}
        },
        _ => {
            if rng.chance(30) {
                p["style"] = json!("simple");
            }
            if rng.chance(30) {
                p["explode"] = json!(rng.chance(50));
            }
        }
    }
}

fn parameter_schema(rng: &mut Rng, arrays: bool) -> Value {
    let kinds = if arrays { 6 } else { 5 };
    match rng.below(kinds) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": rng.pick(&["int32", "int64"]), "minimum": 1}),
        2 => json!({"type": "boolean"}),
        3 => json!({"type": "number"}),
        4 => an_enum(rng),
        _ => json!({"type": "array", "items": parameter_schema(rng, false)}),
    }
}

/// A body: a `$ref`, an array of one, or an inline object (hoisted by lowering).
fn body_schema(rng: &mut Rng, refs: &[String]) -> Value {
    match (rng.below(3), refs.len()) {
        (0, n) if n > 0 => reference(&refs[rng.below(n)]),
        (1, n) if n > 0 => json!({"type": "array", "items": reference(&refs[rng.below(n)])}),
        _ => object(rng, refs, None),
    }
}

/// A request body's `content`: mostly JSON; else a form, a multipart body with
/// files, text or raw bytes, or JSON listed beside XML (of which JSON is used).
fn request_content(rng: &mut Rng, refs: &[String]) -> Value {
    match rng.below(12) {
        0 => json!({"application/x-www-form-urlencoded": {"schema": form_object(rng, false)}}),
        1 => json!({"multipart/form-data": {"schema": form_object(rng, true)}}),
        2 => json!({*rng.pick(&["text/plain", "text/csv"]): {"schema": text_schema(rng)}}),
        3 => json!({*rng.pick(&["application/octet-stream", "image/png"]): {
            "schema": {"type": "string", "format": "binary"},
        }}),
        4 => {
            let schema = body_schema(rng, refs);
            json!({"application/json": {"schema": schema.clone()}, "application/xml": {"schema": schema}})
        }
        _ => json!({"application/json": {"schema": body_schema(rng, refs)}}),
    }
}

/// A response body's `content`: mostly JSON, else text or raw bytes (maybe
/// without a schema).
fn response_content(rng: &mut Rng, refs: &[String]) -> Value {
    match rng.below(10) {
        0 => json!({"text/plain": {"schema": text_schema(rng)}}),
        1 => {
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
        }
        2 => json!({"image/png": {}}),
        _ => json!({"application/json": {"schema": body_schema(rng, refs)}}),
    }
}

/// A text body's schema: a string, maybe constrained, or a string enum.
fn text_schema(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => string_enum(rng),
        1 => json!({"type": "string", "maxLength": rng.range(1, 50), "pattern": "^[^<]*$"}),
        _ => json!({"type": "string"}),
    }
}

/// A form or multipart body's object: scalars, string enums and arrays of these;
/// with `files`, also files (`format: binary`) and arrays of files.
fn form_object(rng: &mut Rng, files: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut hoisted_stems: Vec<String> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let field = rng.text(FIELD_NAMES);
        if properties.contains_key(field) {
            continue;
        }
        let file = json!({"type": "string", "format": "binary"});
        let value = match rng.below(if files { 5 } else { 3 }) {
            3 => file,
            4 => json!({"type": "array", "items": file}),
            _ => parameter_schema(rng, true),
        };
        // An inline enum is hoisted as `<OperationId>Request<Property>`.
        let hoisted = value.to_string().contains("\"enum\"");
        if hoisted && hoisted_stems.contains(&stem(field)) {
            continue;
        }
        if hoisted {
            hoisted_stems.push(stem(field));
        }
        if rng.chance(50) {
            required.push(field);
        }
        properties.insert(field.to_string(), value);
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn responses(rng: &mut Rng, refs: &[String]) -> Value {
    let mut responses = Map::new();
    for _ in 0..rng.range(1, 3) {
        let code = *rng.pick(&["200", "201", "204", "400", "404", "default"]);
        if responses.contains_key(code) {
            continue;
        }
        let mut response = json!({"description": rng.text(DESCRIPTIONS)});
        if rng.chance(15) {
            let name = rng.text(&["X-Rate-Limit", "Retry-After", "x-trace", "ETag", "type"]);
            response["headers"] = json!({name: {
                "required": rng.chance(50),
                "description": rng.text(DESCRIPTIONS),
                "schema": parameter_schema(rng, false),
            }});
        }
        if code != "204" && rng.chance(70) {
            response["content"] = response_content(rng, refs);
        }
        responses.insert(code.to_string(), response);
    }
    Value::Object(responses)
}
