//! The Tencent response envelope: always HTTP 200, `Content-Type: application/json` exactly
//! (the Python SDK ignores errors under any other content type), and a `RequestId`.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use sesame_core::SesError;

/// A success body: `{"Response": {<fields>, "RequestId": id}}`.
pub fn success(fields: Value, request_id: &str) -> Response<Body> {
    let mut response = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    response.insert("RequestId".into(), Value::String(request_id.to_owned()));
    respond(&json!({ "Response": response }))
}

/// An error body: `{"Response": {"Error": {"Code", "Message"}, "RequestId": id}}`.
pub fn error(err: &SesError, request_id: &str) -> Response<Body> {
    respond(&json!({
        "Response": {
            "Error": { "Code": err.code.as_str(), "Message": err.message },
            "RequestId": request_id,
        }
    }))
}

fn respond(body: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(body).expect("JSON values always serialize");
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
