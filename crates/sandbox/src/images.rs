//! Stand-ins for Instagram's CDN: generated SVG avatars and post images, so the demo shows
//! pictures without the network.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::pages::escape;
use crate::world::World;

fn hue(seed: &str) -> u32 {
    let digest = Sha256::digest(seed.as_bytes());
    u32::from(digest[0]) * 360 / 256
}

fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=86400")], body)
        .into_response()
}

/// `GET /cdn/avatar/{user_id}.svg`: the account's initials on a colour of its own.
pub async fn avatar(State(world): State<Arc<World>>, Path(file): Path<String>) -> Response {
    let Some(account) = file.strip_suffix(".svg").and_then(|id| world.account(id)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let initial = account.username.chars().next().unwrap_or('?').to_ascii_uppercase();
    let h = hue(&account.user_id);
    svg(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 120 120\"><defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">\
         <stop offset=\"0\" stop-color=\"hsl({h},70%,55%)\"/><stop offset=\"1\" stop-color=\"hsl({},70%,40%)\"/></linearGradient></defs>\
         <rect width=\"120\" height=\"120\" fill=\"url(#g)\"/><text x=\"60\" y=\"78\" font-family=\"sans-serif\" font-size=\"52\" \
         font-weight=\"700\" fill=\"#fff\" text-anchor=\"middle\">{}</text></svg>",
        (h + 40) % 360,
        escape(&initial.to_string())
    ))
}

/// `GET /cdn/media/{id}.svg`: a post image.
pub async fn media(Path(file): Path<String>) -> Response {
    let Some(id) =
        file.strip_suffix(".svg").filter(|id| id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let h = hue(id);
    let n = id.trim_start_matches('0').chars().rev().take(2).collect::<String>();
    svg(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 400\"><rect width=\"400\" height=\"400\" fill=\"hsl({h},55%,62%)\"/>\
         <circle cx=\"300\" cy=\"110\" r=\"60\" fill=\"hsl({},70%,80%)\"/><path d=\"M0 330 L130 190 L230 290 L300 230 L400 320 L400 400 L0 400Z\" \
         fill=\"hsl({h},45%,35%)\"/><text x=\"24\" y=\"60\" font-family=\"sans-serif\" font-size=\"36\" fill=\"#fff\">#{n}</text></svg>",
        (h + 180) % 360
    ))
}
