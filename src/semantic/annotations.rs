//! LuaLS annotations (`---@param`, `---@class`, …): the types modders already write.
//!
//! Annotations are facts the model uses only where its own inference has nothing; a malformed
//! one is skipped, never reported. A doc block is a run of `---` comment lines, each alone on its
//! line, with no blank line or plain `--` comment between them. A block directly above a
//! statement (no blank line between) applies to that statement; `---@class`, `---@field` and
//! `---@alias` declare types for the whole unit wherever they are.

use super::model::FastMap;
use crate::syntax::Comment;

/// A type as LuaLS writes it. Only the shapes the model can use keep their parts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TypeExpr {
    /// `LuaEntity`, `string`, `defines.events`, a mod class or alias, `nil`.
    Name(String),
    /// `A|B`; `T?` is `T|nil`.
    Union(Vec<TypeExpr>),
    /// `T[]`.
    Array(Box<TypeExpr>),
    /// `table<K, V>` (also `{ [K]: V }`).
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// `fun(...): R`: the first return type, if written.
    Function(Option<Box<TypeExpr>>),
    /// `{ x: T, y: U }`.
    Record(Vec<(String, TypeExpr)>),
    /// `"text"`, `1`, `true`, a tuple, a generic class: nothing the model follows.
    Opaque,
}

impl TypeExpr {
    fn optional(self) -> TypeExpr {
        TypeExpr::Union(vec![self, TypeExpr::Name("nil".to_string())])
    }
}

/// One annotation line.
#[derive(Clone, Debug, PartialEq)]
pub enum DocTag {
    Param {
        name: String,
        ty: TypeExpr,
    },
    Return(TypeExpr),
    Type(TypeExpr),
    Class {
        name: String,
        parents: Vec<TypeExpr>,
    },
    /// `---@field name T`; `---@field [K] V` has no name (the class's element type).
    Field {
        name: Option<String>,
        ty: TypeExpr,
    },
    Alias {
        name: String,
        ty: TypeExpr,
    },
}

/// A `---@class` with the `---@field` lines that follow it in its block.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassDecl {
    pub name: String,
    pub parents: Vec<TypeExpr>,
    pub fields: Vec<(Option<String>, TypeExpr)>,
}

/// A file's annotations, ready for lowering.
#[derive(Debug, Default)]
pub struct Docs {
    /// Tags of the block directly above a statement, by the statement's first byte.
    pub by_statement: FastMap<usize, Vec<DocTag>>,
    pub classes: Vec<ClassDecl>,
    pub aliases: Vec<(String, TypeExpr)>,
}

/// Groups a file's comments into doc blocks and parses their tags.
pub fn collect(text: &str, comments: &[Comment]) -> Docs {
    let mut docs = Docs::default();
    let mut block: Vec<DocTag> = Vec::new();
    let mut block_end: Option<usize> = None;
    for comment in comments {
        let is_doc = text
            .get(comment.span.start..)
            .is_some_and(|s| s.starts_with("---") && !s.starts_with("---["))
            && starts_line(text, comment.span.start);
        let continues = block_end.is_some_and(|end| {
            text.get(end..comment.span.start)
                .is_some_and(|gap| gap.trim().is_empty() && gap.matches('\n').count() == 1)
        });
        if !continues {
            finish_block(text, &mut block, block_end, &mut docs);
            block_end = None;
        }
        if is_doc {
            if let Some(tag) = parse_tag(&comment.text) {
                block.push(tag);
            }
            block_end = Some(comment.span.end);
        } else {
            finish_block(text, &mut block, block_end, &mut docs);
            block_end = None;
        }
    }
    finish_block(text, &mut block, block_end, &mut docs);
    docs
}

/// Only whitespace precedes `offset` on its line.
fn starts_line(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].trim().is_empty()
}

fn finish_block(text: &str, block: &mut Vec<DocTag>, end: Option<usize>, docs: &mut Docs) {
    let tags = std::mem::take(block);
    let Some(end) = end else { return };
    let mut class: Option<ClassDecl> = None;
    let mut for_statement = Vec::new();
    for tag in tags {
        match tag {
            DocTag::Class { name, parents } => {
                docs.classes.extend(class.take());
                for_statement.push(DocTag::Class {
                    name: name.clone(),
                    parents: parents.clone(),
                });
                class = Some(ClassDecl {
                    name,
                    parents,
                    fields: Vec::new(),
                });
            }
            DocTag::Field { name, ty } => {
                if let Some(class) = &mut class {
                    class.fields.push((name, ty));
                }
            }
            DocTag::Alias { name, ty } => docs.aliases.push((name, ty)),
            other => for_statement.push(other),
        }
    }
    docs.classes.extend(class);
    // The statement right below: only whitespace and one line break between.
    let rest = &text[end..];
    let code_start = end + (rest.len() - rest.trim_start().len());
    let gap = &text[end..code_start];
    let is_code = code_start < text.len() && !text[code_start..].starts_with("--");
    if !for_statement.is_empty() && is_code && gap.matches('\n').count() == 1 {
        docs.by_statement
            .entry(code_start)
            .or_default()
            .extend(for_statement);
    }
}

/// One comment's tag. `text` is what follows the comment's `--` (`-@param x T`).
pub fn parse_tag(text: &str) -> Option<DocTag> {
    let body = text.strip_prefix('-')?.trim_start();
    let body = body.strip_prefix('@')?;
    let (tag, rest) = split_word(body);
    let rest = rest.trim_start();
    match tag {
        "param" => {
            let (name, rest) = split_word(rest);
            let (name, optional) = match name.strip_suffix('?') {
                Some(name) => (name, true),
                None => (name, false),
            };
            if !is_name(name) && name != "..." {
                return None;
            }
            let (ty, _) = parse_type(rest)?;
            let ty = if optional { ty.optional() } else { ty };
            Some(DocTag::Param {
                name: name.to_string(),
                ty,
            })
        }
        "return" => parse_type(rest).map(|(ty, _)| DocTag::Return(ty)),
        "type" => parse_type(rest).map(|(ty, _)| DocTag::Type(ty)),
        "class" => {
            let mut rest = rest;
            // `---@class (exact) Name`
            if let Some(after) = rest.strip_prefix('(') {
                rest = after.split_once(')')?.1.trim_start();
            }
            let (name, rest) = split_name(rest);
            if name.is_empty() {
                return None;
            }
            let mut parents = Vec::new();
            if let Some(mut list) = rest.trim_start().strip_prefix(':') {
                loop {
                    let (parent, after) = parse_type(list)?;
                    parents.push(parent);
                    match after.trim_start().strip_prefix(',') {
                        Some(next) => list = next,
                        None => break,
                    }
                }
            }
            Some(DocTag::Class {
                name: name.to_string(),
                parents,
            })
        }
        "field" => {
            let mut rest = rest;
            let (first, after) = split_word(rest);
            if matches!(first, "public" | "private" | "protected" | "package") {
                rest = after.trim_start();
            }
            if let Some(key) = rest.strip_prefix('[') {
                // `---@field [string] T`: what indexing the class gives.
                let (_, after) = parse_type(key)?;
                let after = after.trim_start().strip_prefix(']')?;
                let (ty, _) = parse_type(after)?;
                return Some(DocTag::Field { name: None, ty });
            }
            let (name, after) = split_word(rest);
            let (name, optional) = match name.strip_suffix('?') {
                Some(name) => (name, true),
                None => (name, false),
            };
            if !is_name(name) {
                return None;
            }
            let (ty, _) = parse_type(after)?;
            let ty = if optional { ty.optional() } else { ty };
            Some(DocTag::Field {
                name: Some(name.to_string()),
                ty,
            })
        }
        "alias" => {
            let (name, rest) = split_name(rest);
            if name.is_empty() {
                return None;
            }
            let (ty, _) = parse_type(rest)?;
            Some(DocTag::Alias {
                name: name.to_string(),
                ty,
            })
        }
        _ => None,
    }
}

/// The next whitespace-delimited word and the rest.
fn split_word(text: &str) -> (&str, &str) {
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text.split_at(end)
}

/// A type name (letters, digits, `_`, `.`, `-`) at the start of `text`, and the rest.
fn split_name(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(text.len());
    text.split_at(end)
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Parses a type at the start of `text`; returns it and what follows (a name, a description).
pub fn parse_type(text: &str) -> Option<(TypeExpr, &str)> {
    let mut parser = TypeParser { rest: text };
    let ty = parser.union(0)?;
    Some((ty, parser.rest))
}

/// Nesting bound: annotation text is user input.
const MAX_TYPE_DEPTH: u32 = 32;

struct TypeParser<'t> {
    rest: &'t str,
}

impl<'t> TypeParser<'t> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// `A|B|C`. Spaces may surround `|`.
    fn union(&mut self, depth: u32) -> Option<TypeExpr> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let mut options = vec![self.postfix(depth)?];
        loop {
            let saved = self.rest;
            if self.eat("|") {
                options.push(self.postfix(depth)?);
            } else {
                self.rest = saved;
                break;
            }
        }
        Some(if options.len() == 1 {
            options.pop().expect("one option")
        } else {
            TypeExpr::Union(options)
        })
    }

    /// A primary type followed by `[]` and `?` suffixes (no space before them).
    fn postfix(&mut self, depth: u32) -> Option<TypeExpr> {
        let mut ty = self.primary(depth)?;
        loop {
            if let Some(rest) = self.rest.strip_prefix("[]") {
                self.rest = rest;
                ty = TypeExpr::Array(Box::new(ty));
            } else if let Some(rest) = self.rest.strip_prefix('?') {
                self.rest = rest;
                ty = ty.optional();
            } else {
                return Some(ty);
            }
        }
    }

    fn primary(&mut self, depth: u32) -> Option<TypeExpr> {
        self.skip_spaces();
        let first = self.rest.chars().next()?;
        match first {
            '(' => {
                self.rest = &self.rest[1..];
                let ty = self.union(depth + 1)?;
                self.eat(")").then_some(ty)
            }
            '{' => self.record(depth),
            '[' => {
                // A tuple: `[string, integer]`.
                self.rest = &self.rest[1..];
                self.list(depth, "]")?;
                Some(TypeExpr::Opaque)
            }
            '"' | '\'' | '`' => {
                let end = self.rest[1..].find(first)? + 2;
                self.rest = &self.rest[end..];
                Some(TypeExpr::Opaque)
            }
            c if c.is_ascii_digit() || c == '-' => {
                let end = self
                    .rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
                    .unwrap_or(self.rest.len());
                self.rest = &self.rest[end..];
                Some(TypeExpr::Opaque)
            }
            c if c.is_alphabetic() || c == '_' => {
                let name = split_name(self.rest).0.trim_end_matches(['.', '-']);
                self.rest = &self.rest[name.len()..];
                match name {
                    "fun" if self.rest.starts_with('(') => self.function(depth),
                    "true" | "false" => Some(TypeExpr::Opaque),
                    _ if self.rest.starts_with('<') => {
                        self.rest = &self.rest[1..];
                        let mut args = self.list(depth, ">")?;
                        if name == "table" && args.len() == 2 {
                            let value = args.pop().expect("two");
                            let key = args.pop().expect("two");
                            return Some(TypeExpr::Map(Box::new(key), Box::new(value)));
                        }
                        Some(TypeExpr::Opaque)
                    }
                    _ => Some(TypeExpr::Name(name.to_string())),
                }
            }
            _ => None,
        }
    }

    /// Types separated by commas up to `close` (consumed).
    fn list(&mut self, depth: u32, close: &str) -> Option<Vec<TypeExpr>> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Some(items);
        }
        loop {
            items.push(self.union(depth + 1)?);
            if self.eat(close) {
                return Some(items);
            }
            if !self.eat(",") {
                return None;
            }
        }
    }

    /// `fun(a: T, b?: U, ...): R, S` (the `fun` is already read).
    fn function(&mut self, depth: u32) -> Option<TypeExpr> {
        self.rest = &self.rest[1..];
        if !self.eat(")") {
            loop {
                self.skip_spaces();
                let (name, rest) = split_name(self.rest);
                if name.is_empty() {
                    self.rest = self.rest.strip_prefix("...")?;
                } else {
                    self.rest = rest;
                }
                self.eat("?");
                if self.eat(":") {
                    self.union(depth + 1)?;
                }
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return None;
                }
            }
        }
        let saved = self.rest;
        if self.eat(":") {
            // `fun(): (ok: boolean)` and `fun(): name: T` name their returns.
            let returns = if self.eat("(") {
                let ty = self.named_return(depth)?;
                while self.eat(",") {
                    self.named_return(depth)?;
                }
                self.eat(")").then_some(ty)?
            } else {
                self.named_return(depth)?
            };
            Some(TypeExpr::Function(Some(Box::new(returns))))
        } else {
            self.rest = saved;
            Some(TypeExpr::Function(None))
        }
    }

    fn named_return(&mut self, depth: u32) -> Option<TypeExpr> {
        self.skip_spaces();
        let saved = self.rest;
        let (name, rest) = split_name(self.rest);
        if !name.is_empty() && rest.trim_start().starts_with(':') && is_name(name) {
            self.rest = rest;
            self.eat(":");
        } else {
            self.rest = saved;
        }
        self.union(depth + 1)
    }

    /// `{ x: T, [K]: V }`.
    fn record(&mut self, depth: u32) -> Option<TypeExpr> {
        self.rest = &self.rest[1..];
        let mut fields = Vec::new();
        let mut index = None;
        if self.eat("}") {
            return Some(TypeExpr::Record(fields));
        }
        loop {
            self.skip_spaces();
            if self.eat("[") {
                let key = self.union(depth + 1)?;
                if !self.eat("]") || !self.eat(":") {
                    return None;
                }
                let value = self.union(depth + 1)?;
                index = Some((key, value));
            } else {
                let (name, rest) = split_name(self.rest);
                if !is_name(name) {
                    return None;
                }
                self.rest = rest;
                let optional = self.eat("?");
                if !self.eat(":") {
                    return None;
                }
                let ty = self.union(depth + 1)?;
                fields.push((name.to_string(), if optional { ty.optional() } else { ty }));
            }
            if self.eat("}") {
                break;
            }
            if !self.eat(",") && !self.eat(";") {
                return None;
            }
            if self.eat("}") {
                break;
            }
        }
        match index {
            Some((key, value)) if fields.is_empty() => {
                Some(TypeExpr::Map(Box::new(key), Box::new(value)))
            }
            _ => Some(TypeExpr::Record(fields)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> TypeExpr {
        TypeExpr::Name(n.to_string())
    }

    fn ty(text: &str) -> TypeExpr {
        let (ty, rest) = parse_type(text).unwrap_or_else(|| panic!("{text:?} parses"));
        assert!(rest.trim().is_empty(), "{text:?} left {rest:?}");
        ty
    }

    #[test]
    fn names_unions_optionals_arrays() {
        assert_eq!(ty("LuaEntity"), name("LuaEntity"));
        assert_eq!(ty("defines.events"), name("defines.events"));
        assert_eq!(
            ty("LuaCustomChartTag|nil"),
            TypeExpr::Union(vec![name("LuaCustomChartTag"), name("nil")])
        );
        assert_eq!(ty("LuaCustomChartTag?"), ty("LuaCustomChartTag|nil"));
        assert_eq!(
            ty("string | number"),
            TypeExpr::Union(vec![name("string"), name("number")])
        );
        assert_eq!(ty("Tag[]"), TypeExpr::Array(Box::new(name("Tag"))));
        assert_eq!(
            ty("LuaEntity[][]?"),
            TypeExpr::Array(Box::new(TypeExpr::Array(Box::new(name("LuaEntity"))))).optional()
        );
        assert_eq!(
            ty("(LuaEntity|LuaPlayer)[]"),
            TypeExpr::Array(Box::new(TypeExpr::Union(vec![
                name("LuaEntity"),
                name("LuaPlayer")
            ])))
        );
    }

    #[test]
    fn tables_functions_records_literals() {
        assert_eq!(
            ty("table<string, Tag>"),
            TypeExpr::Map(Box::new(name("string")), Box::new(name("Tag")))
        );
        assert_eq!(
            ty("table<uint, table<string, LuaEntity>>"),
            TypeExpr::Map(
                Box::new(name("uint")),
                Box::new(TypeExpr::Map(
                    Box::new(name("string")),
                    Box::new(name("LuaEntity"))
                ))
            )
        );
        assert_eq!(
            ty("fun(gps: string): LuaCustomChartTag|nil"),
            TypeExpr::Function(Some(Box::new(ty("LuaCustomChartTag|nil"))))
        );
        assert_eq!(ty("fun()"), TypeExpr::Function(None));
        assert_eq!(
            ty("fun(a?: integer, ...: any): (ok: boolean, err: string)"),
            TypeExpr::Function(Some(Box::new(name("boolean"))))
        );
        assert_eq!(
            ty("{ x: number, y?: number }"),
            TypeExpr::Record(vec![
                ("x".to_string(), name("number")),
                ("y".to_string(), name("number").optional())
            ])
        );
        assert_eq!(
            ty("{[string]: LuaEntity}"),
            TypeExpr::Map(Box::new(name("string")), Box::new(name("LuaEntity")))
        );
        assert_eq!(
            ty("\"left\"|'right'|1|true"),
            TypeExpr::Union(vec![TypeExpr::Opaque; 4])
        );
        assert_eq!(ty("[string, integer]"), TypeExpr::Opaque);
        assert_eq!(ty("Class<T>"), TypeExpr::Opaque);
    }

    #[test]
    fn param_tags() {
        assert_eq!(
            parse_tag("-@param tag Tag the tag"),
            Some(DocTag::Param {
                name: "tag".into(),
                ty: name("Tag")
            })
        );
        assert_eq!(
            parse_tag("- @param player? LuaPlayer"),
            Some(DocTag::Param {
                name: "player".into(),
                ty: name("LuaPlayer").optional()
            })
        );
        assert_eq!(
            parse_tag("-@param ... any"),
            Some(DocTag::Param {
                name: "...".into(),
                ty: name("any")
            })
        );
        assert_eq!(parse_tag("-@param"), None);
        assert_eq!(parse_tag("-@param x"), None);
        assert_eq!(parse_tag("-@param 1x T"), None);
    }

    #[test]
    fn return_and_type_tags() {
        assert_eq!(
            parse_tag("-@return LuaCustomChartTag? chart_tag Found chart tag or nil"),
            Some(DocTag::Return(name("LuaCustomChartTag").optional()))
        );
        assert_eq!(
            parse_tag("-@return LuaCustomChartTag[] -- an array"),
            Some(DocTag::Return(TypeExpr::Array(Box::new(name(
                "LuaCustomChartTag"
            )))))
        );
        assert_eq!(
            parse_tag("-@type table<string, Tag>"),
            Some(DocTag::Type(ty("table<string, Tag>")))
        );
        assert_eq!(parse_tag("-@type"), None);
        assert_eq!(parse_tag("-@type |"), None);
    }

    #[test]
    fn class_field_alias_tags() {
        assert_eq!(
            parse_tag("-@class Tag"),
            Some(DocTag::Class {
                name: "Tag".into(),
                parents: vec![]
            })
        );
        assert_eq!(
            parse_tag("-@class (exact) Marker: LuaCustomChartTag, Base"),
            Some(DocTag::Class {
                name: "Marker".into(),
                parents: vec![name("LuaCustomChartTag"), name("Base")]
            })
        );
        assert_eq!(
            parse_tag("-@field chart_tag LuaCustomChartTag? # Cached chart tag"),
            Some(DocTag::Field {
                name: Some("chart_tag".into()),
                ty: name("LuaCustomChartTag").optional()
            })
        );
        assert_eq!(
            parse_tag("-@field private count? integer"),
            Some(DocTag::Field {
                name: Some("count".into()),
                ty: name("integer").optional()
            })
        );
        assert_eq!(
            parse_tag("-@field [string] Tag"),
            Some(DocTag::Field {
                name: None,
                ty: name("Tag")
            })
        );
        assert_eq!(
            parse_tag("-@alias TagMap table<string, Tag>"),
            Some(DocTag::Alias {
                name: "TagMap".into(),
                ty: ty("table<string, Tag>")
            })
        );
        assert_eq!(parse_tag("-@class"), None);
        assert_eq!(parse_tag("-@field x fun("), None);
        assert_eq!(parse_tag("-@alias Mode"), None);
        assert_eq!(parse_tag("-@diagnostic disable: undefined-global"), None);
        assert_eq!(parse_tag("- plain words"), None);
        assert_eq!(parse_tag(" @param x T"), None);
    }

    #[test]
    fn malformed_types_are_rejected() {
        for text in ["", "|", "table<", "fun(a: ", "{x: }", "(A", "\"open"] {
            assert!(parse_type(text).is_none(), "{text:?}");
        }
        let deep = format!("{}A{}", "(".repeat(200), ")".repeat(200));
        assert!(parse_type(&deep).is_none());
    }

    fn docs(text: &str) -> Docs {
        let parsed = crate::syntax::parse(text).expect("parses");
        collect(text, &parsed.comments)
    }

    #[test]
    fn blocks_attach_to_the_next_statement() {
        let text =
            "--- Renames.\n---@param tag Tag\n---@return boolean\nlocal function f(tag) end\n";
        let d = docs(text);
        let at = text.find("local function").unwrap();
        assert_eq!(d.by_statement[&at].len(), 2);
    }

    #[test]
    fn blank_lines_and_plain_comments_detach() {
        let text = "---@type LuaEntity\n\nlocal a = nil\n---@type LuaEntity\n-- note\nlocal b = nil\nlocal c = 1 ---@type LuaEntity\nlocal d = 2\n";
        assert!(docs(text).by_statement.is_empty());
    }

    #[test]
    fn classes_are_collected_with_or_without_a_statement() {
        let text = "---@class Tag\n---@field gps string\n---@field chart_tag LuaCustomChartTag?\nlocal Tag = {}\n\n---@class Lookups: Base\n---@field get fun(gps: string): LuaCustomChartTag\n\n---@alias Tags table<string, Tag>\nreturn Tag\n";
        let d = docs(text);
        assert_eq!(d.classes.len(), 2);
        assert_eq!(d.classes[0].name, "Tag");
        assert_eq!(d.classes[0].fields.len(), 2);
        assert_eq!(d.classes[1].parents, vec![name("Base")]);
        assert_eq!(d.aliases.len(), 1);
        // `---@class` above a local also names the local's type.
        let at = text.find("local Tag").unwrap();
        assert!(matches!(d.by_statement[&at][0], DocTag::Class { .. }));
    }
}
