//! Imports, resolved before the script runs so that a bad one is a compile error (65).
//! Until the confining resolver lands, any `import` is refused.

use rhai::{ASTNode, Engine, Stmt, AST};

use crate::context::Ctx;
use crate::outcome::locate;

/// Makes the script's imports available to `engine`, or explains why one cannot be.
pub fn prepare(_engine: &mut Engine, ast: &AST, ctx: &Ctx) -> Result<(), String> {
    let mut found = None;
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(stmt @ Stmt::Import(..))) = path.last() {
            found = Some(stmt.position());
            return false;
        }
        true
    });
    match found {
        Some(pos) => Err(format!(
            "{}`import` is not supported yet",
            locate(&ctx.script.display().to_string(), pos)
        )),
        None => Ok(()),
    }
}
