//! Types that can never hold a finite value: a cycle of required, non-nullable
//! fields (or `$ref` aliases) with no way out. A cycle through an optional or
//! nullable field, an array or a map is fine: the value can stop there.

use std::collections::BTreeSet;

use super::Lowerer;
use crate::ir::{Ty, TyKind, TypeDef, TypeDefKind};

/// A step that every value of a type must take: into `target`, through `via`.
struct Step {
    /// `X.field`, or `X` for an alias or a union.
    label: String,
    /// Where to point the error: the field, or the alias's `$ref`.
    pointer: String,
    target: String,
    /// Through an alias (`$ref`) rather than a field.
    alias: bool,
}

impl Lowerer<'_> {
    pub(super) fn check_cycles(&mut self) {
        let types: Vec<&TypeDef> = self.types.iter().flatten().collect();
        let finite = finite_types(&types);
        let mut reported: BTreeSet<String> = BTreeSet::new();
        let mut problems = Vec::new();
        for start in &types {
            if finite.contains(&start.name) || reported.contains(&start.name) {
                continue;
            }
            // Walk forced steps through infinite types until a type repeats.
            let mut path: Vec<(String, Step)> = Vec::new();
            let mut current = start.name.clone();
            loop {
                if let Some(i) = path.iter().position(|(n, _)| *n == current) {
                    let cycle = path.split_off(i);
                    problems.push(cycle_message(&cycle));
                    break;
                }
                if reported.contains(&current) {
                    break;
                }
                let Some(def) = types.iter().find(|t| t.name == current) else {
                    break;
                };
                let Some(step) = forced_step(def, &finite) else {
                    break;
                };
                let next = step.target.clone();
                path.push((current, step));
                current = next;
            }
            reported.extend(path.into_iter().map(|(n, _)| n));
            reported.insert(start.name.clone());
        }
        for (pointer, message, help) in problems {
            self.error(&pointer, message, Some(help));
        }
    }
}

/// Fixpoint: a type is finite if some value of it needs no infinite part.
fn finite_types(types: &[&TypeDef]) -> BTreeSet<String> {
    let mut finite: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = finite.len();
        for def in types {
            if !finite.contains(&def.name) && is_finite(def, &finite) {
                finite.insert(def.name.clone());
            }
        }
        if finite.len() == before {
            return finite;
        }
    }
}

fn is_finite(def: &TypeDef, finite: &BTreeSet<String>) -> bool {
    match &def.kind {
        TypeDefKind::Enum(_) => true,
        TypeDefKind::Alias(ty) => ty_finite(ty, finite),
        TypeDefKind::Struct(s) => s
            .fields
            .iter()
            .filter(|f| f.required)
            .all(|f| ty_finite(&f.ty, finite)),
        TypeDefKind::Union(u) => u.variants.iter().any(|v| finite.contains(&v.type_name)),
    }
}

fn ty_finite(ty: &Ty, finite: &BTreeSet<String>) -> bool {
    match &ty.kind {
        TyKind::Named(name) if !ty.nullable => finite.contains(name),
        _ => true,
    }
}

/// The first step from an infinite `def` into another infinite type.
fn forced_step(def: &TypeDef, finite: &BTreeSet<String>) -> Option<Step> {
    let into = |ty: &Ty| match &ty.kind {
        TyKind::Named(name) if !ty_finite(ty, finite) => Some(name.clone()),
        _ => None,
    };
    match &def.kind {
        TypeDefKind::Enum(_) => None,
        TypeDefKind::Alias(ty) => into(ty).map(|target| Step {
            label: def.name.clone(),
            pointer: format!("{}/$ref", def.pointer),
            target,
            alias: true,
        }),
        TypeDefKind::Struct(s) => s.fields.iter().filter(|f| f.required).find_map(|f| {
            into(&f.ty).map(|target| Step {
                label: format!("{}.{}", def.name, f.name),
                pointer: f.pointer.clone(),
                target,
                alias: false,
            })
        }),
        TypeDefKind::Union(u) => u.variants.first().map(|v| Step {
            label: def.name.clone(),
            pointer: def.pointer.clone(),
            target: v.type_name.clone(),
            alias: false,
        }),
    }
}

fn cycle_message(cycle: &[(String, Step)]) -> (String, String, String) {
    let mut labels: Vec<&str> = cycle.iter().map(|(_, s)| s.label.as_str()).collect();
    let first = cycle.first().map(|(n, _)| n.as_str()).unwrap_or_default();
    labels.push(first);
    let path = labels.join(" -> ");
    let pointer = cycle
        .first()
        .map(|(_, s)| s.pointer.clone())
        .unwrap_or_default();
    if cycle.iter().all(|(_, s)| s.alias) {
        (
            pointer,
            format!("`$ref` cycle: {path}; none of these schemas defines a type"),
            "make one of them a concrete schema".to_owned(),
        )
    } else {
        (
            pointer,
            format!("`{first}` can never hold a finite value: it contains itself through required, non-nullable fields: {path}"),
            "make one of these fields optional (remove it from `required`) or `nullable: true`, or use an array".to_owned(),
        )
    }
}
