//! The benchmark's yardstick: a bare actix-web handler answering a fixed
//! JSON body, run with the same worker count as Kiosk.
//!
//! `cargo run --release --example baseline -- 127.0.0.1:18081`

use actix_web::{web, App, HttpResponse, HttpServer};

const BODY: &str = r#"{"allowed":true,"reason":"subscription","access":"premium","article":{"publisher":"the-daily","id":"a1"},"member":null,"entitlement":null,"meter":null,"offer":null}"#;

/// Reads the request body (as Kiosk must) and answers the fixed body.
async fn fixed(body: web::Bytes) -> HttpResponse {
    let _ = body;
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".into());
    HttpServer::new(|| App::new().default_service(web::to(fixed)))
        .bind(bind)?
        .run()
        .await
}
