//! Bodies that are not JSON end to end, on the generated crate of the
//! `non_json_bodies` feature fixture: the client and the server talk over real HTTP
//! in a form, a multipart upload with files, raw bytes and text; the server answers
//! 415 for another media type, 400 with the violations' paths for invalid fields
//! (as for a JSON body), 400 for malformed multipart or text that is not UTF-8, and
//! 413 over the body limit, without ever panicking.

mod reply;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use feature_non_json_bodies::client::{Client, ClientError};
use feature_non_json_bodies::models::{
    File, Label, NoteText, Pet, Profile, ProfileColor, Received, UploadRequest,
};
use feature_non_json_bodies::operations as ops;
use feature_non_json_bodies::server::{NonJsonBodies, RouterConfig, router};
use http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The first bytes of a PNG file: not UTF-8.
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff];

/// Records what reaches the implementation, and answers from it.
#[derive(Default)]
struct Recorder {
    profiles: Mutex<Vec<Profile>>,
    uploads: Mutex<Vec<UploadRequest>>,
    notes: Mutex<Vec<Option<NoteText>>>,
    blobs: Mutex<Vec<(String, Vec<u8>)>>,
}

impl NonJsonBodies for Recorder {
    async fn save_profile(&self, request: ops::SaveProfileRequest) -> ops::SaveProfileResponse {
        self.profiles.lock().unwrap().push(request.body.clone());
        ops::SaveProfileResponse::Ok(request.body)
    }

    async fn upload(&self, request: ops::UploadRequest) -> ops::UploadResponse {
        let body = request.body;
        let received = Received {
            file_size: body.file.bytes.len() as i64,
            file_name: body.file.filename.clone(),
            file_type: body.file.content_type.clone(),
            attachments: body
                .attachments
                .iter()
                .flatten()
                .map(|f| f.bytes.len() as i64)
                .collect(),
            description: body.description.clone(),
            count: Some(i64::from(body.count)),
            labels: body.labels.clone(),
        };
        self.uploads.lock().unwrap().push(body);
        ops::UploadResponse::Created(received)
    }

    async fn get_blob_preview(
        &self,
        request: ops::GetBlobPreviewRequest,
    ) -> ops::GetBlobPreviewResponse {
        if request.name == "logo" {
            ops::GetBlobPreviewResponse::Ok(PNG.to_vec())
        } else {
            ops::GetBlobPreviewResponse::NotFound(format!("no blob called {} (ü)", request.name))
        }
    }

    async fn put_blob(&self, request: ops::PutBlobRequest) -> ops::PutBlobResponse {
        self.blobs
            .lock()
            .unwrap()
            .push((request.name, request.body.clone()));
        ops::PutBlobResponse::Ok(request.body)
    }

    async fn add_note(&self, request: ops::AddNoteRequest) -> ops::AddNoteResponse {
        self.notes.lock().unwrap().push(request.body.clone());
        ops::AddNoteResponse::Ok(request.body.map(|n| n.0.to_uppercase()).unwrap_or_default())
    }

    async fn add_pet(&self, request: ops::AddPetRequest) -> ops::AddPetResponse {
        ops::AddPetResponse::Ok(request.body)
    }
}

async fn serve() -> (Client, Arc<Recorder>) {
    let api = Arc::new(Recorder::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(Arc::clone(&api), RouterConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (Client::new(format!("http://{address}")), api)
}

fn profile() -> Profile {
    Profile {
        // Characters a form must escape, and ones outside ASCII.
        name: "Zoë & Ann = a+b %20".into(),
        age: Some(41),
        score: Some(-2.5),
        subscribed: Some(false),
        tags: Some(vec!["a b".into(), String::new(), "c,d".into()]),
        color: Some(ProfileColor::Green),
    }
}

#[tokio::test]
async fn a_form_arrives_as_the_typed_body() {
    let (client, api) = serve().await;
    let sent = profile();
    let reply = client
        .save_profile(&ops::SaveProfileRequest { body: sent.clone() })
        .await
        .unwrap();
    assert_eq!(reply, ops::SaveProfileResponse::Ok(sent.clone()));
    // Only the required field: the others stay absent.
    let minimal = Profile {
        name: "x".into(),
        age: None,
        score: None,
        subscribed: None,
        tags: None,
        color: None,
    };
    client
        .save_profile(&ops::SaveProfileRequest {
            body: minimal.clone(),
        })
        .await
        .unwrap();
    assert_eq!(*api.profiles.lock().unwrap(), vec![sent, minimal]);
}

fn file(bytes: &[u8], name: Option<&str>, content_type: Option<&str>) -> File {
    File {
        bytes: bytes.to_vec(),
        filename: name.map(str::to_owned),
        content_type: content_type.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_multipart_upload_arrives_with_its_files() {
    let (client, api) = serve().await;
    let sent = UploadRequest {
        file: file(PNG, Some("logo.png"), Some("image/png")),
        attachments: Some(vec![
            file(b"first", Some("a.txt"), Some("text/plain")),
            file(&[0u8; 3000], None, None),
        ]),
        description: Some("é, & and =".into()),
        count: 2,
        labels: Some(vec![Label::Final, Label::Draft]),
    };
    let reply = client
        .upload(&ops::UploadRequest { body: sent.clone() })
        .await
        .unwrap();
    assert_eq!(
        reply,
        ops::UploadResponse::Created(Received {
            file_size: PNG.len() as i64,
            file_name: Some("logo.png".into()),
            file_type: Some("image/png".into()),
            attachments: vec![5, 3000],
            description: Some("é, & and =".into()),
            count: Some(2),
            labels: Some(vec![Label::Final, Label::Draft]),
        })
    );
    let received = api.uploads.lock().unwrap();
    let got = &received[0];
    assert_eq!(got.file, sent.file);
    let attachments = got.attachments.as_ref().unwrap();
    assert_eq!(attachments[0], sent.attachments.as_ref().unwrap()[0]);
    // A file without a name or media type is sent named after its field, as bytes.
    assert_eq!(attachments[1].bytes, vec![0u8; 3000]);
    assert_eq!(attachments[1].filename.as_deref(), Some("attachments"));
    assert_eq!(
        attachments[1].content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(got.description, sent.description);
    assert_eq!((got.count, &got.labels), (2, &sent.labels));
}

#[tokio::test]
async fn bytes_and_text_travel_both_ways() {
    let (client, api) = serve().await;
    let reply = client
        .put_blob(&ops::PutBlobRequest {
            name: "logo".into(),
            body: PNG.to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(reply, ops::PutBlobResponse::Ok(PNG.to_vec()));
    assert_eq!(
        *api.blobs.lock().unwrap(),
        vec![("logo".to_owned(), PNG.to_vec())]
    );
    let empty = client
        .put_blob(&ops::PutBlobRequest {
            name: "empty".into(),
            body: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(empty, ops::PutBlobResponse::Ok(Vec::new()));

    let preview = client
        .get_blob_preview(&ops::GetBlobPreviewRequest {
            name: "logo".into(),
        })
        .await
        .unwrap();
    assert_eq!(preview, ops::GetBlobPreviewResponse::Ok(PNG.to_vec()));
    let missing = client
        .get_blob_preview(&ops::GetBlobPreviewRequest { name: "x".into() })
        .await
        .unwrap();
    assert_eq!(
        missing,
        ops::GetBlobPreviewResponse::NotFound("no blob called x (ü)".into())
    );

    let note = client
        .add_note(&ops::AddNoteRequest {
            body: Some(NoteText("größe".into())),
        })
        .await
        .unwrap();
    assert_eq!(note, ops::AddNoteResponse::Ok("GRÖSSE".into()));
    // An optional text body may be left out.
    let none = client
        .add_note(&ops::AddNoteRequest { body: None })
        .await
        .unwrap();
    assert_eq!(none, ops::AddNoteResponse::Ok(String::new()));
    assert_eq!(
        *api.notes.lock().unwrap(),
        vec![Some(NoteText("größe".into())), None]
    );
}

#[tokio::test]
async fn json_is_used_where_it_is_listed_beside_xml_and_a_form() {
    let (client, _) = serve().await;
    let pet = Pet {
        name: "Rex".into(),
        photo: Some("in JSON a binary string is a string".into()),
    };
    let reply = client
        .add_pet(&ops::AddPetRequest { body: pet.clone() })
        .await
        .unwrap();
    assert_eq!(reply, ops::AddPetResponse::Ok(pet));
    let (status, body, _) = send(
        Request::post("/pets")
            .header("content-type", "application/xml")
            .body(Body::from("<pet><name>Rex</name></pet>"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

/// Sends a raw request to a router with `limit`; the status, the JSON body (`null`
/// if none, the text if not JSON) and the implementation.
async fn send_limited(request: Request<Body>, limit: usize) -> (StatusCode, Value, Arc<Recorder>) {
    let api = Arc::new(Recorder::default());
    let response = router(Arc::clone(&api), RouterConfig { body_limit: limit })
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, body, api)
}

async fn send(request: Request<Body>) -> (StatusCode, Value, Arc<Recorder>) {
    send_limited(request, RouterConfig::DEFAULT_BODY_LIMIT).await
}

fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

use reply::violation_paths as paths;

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn a_form_s_media_type_is_checked_parameters_aside() {
    let (status, body, api) = send(post("/profiles", "application/json", r#"{"name":"x"}"#)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], json!("UNSUPPORTED_MEDIA_TYPE"));
    assert_eq!(
        body["message"],
        json!(
            "expected the content type `application/x-www-form-urlencoded`, found `application/json`"
        )
    );
    assert!(api.profiles.lock().unwrap().is_empty());

    let (status, body, _) = send(
        Request::post("/profiles")
            .body(Body::from("name=x"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body["message"].as_str().unwrap().ends_with("found none"));

    let (status, body, api) = send(post(
        "/profiles",
        "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
        "name=x+y%26z&age=%207&unknown=1&tags=one",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored = &api.profiles.lock().unwrap()[0];
    assert_eq!(
        (stored.name.as_str(), stored.age, &stored.tags),
        ("x y&z", Some(7), &Some(vec!["one".to_owned()]))
    );
}

#[tokio::test]
async fn form_fields_are_validated_like_json_properties() {
    let (status, body, api) = send(post(
        "/profiles",
        FORM,
        "name=&age=abc&age=1&score=1e999&subscribed=maybe&tags=a&tags=b&tags=c&tags=d&color=blue",
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], json!("INVALID_REQUEST"));
    assert_eq!(
        paths(&body),
        vec![
            ("$.name", "minLength"),
            ("$.age", "type"),
            ("$.score", "type"),
            ("$.subscribed", "type"),
            ("$.tags", "maxItems"),
            ("$.color", "enum"),
        ]
    );
    assert!(api.profiles.lock().unwrap().is_empty());

    let (status, body, _) = send(post("/profiles", FORM, "age=-1&age=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        paths(&body),
        vec![("$.name", "required"), ("$.age", "minimum")]
    );

    // An int32 out of its range is refused as in JSON.
    let (status, body, _) = send(post("/profiles", FORM, "name=x&age=4294967296")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(paths(&body), vec![("$.age", "format")]);
}

/// One part of a hand-written multipart body: name, file name, content type, bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A multipart body of `parts`: its content type and bytes.
fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "XyZzy-boundary";
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(filename) = filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        body.extend_from_slice(format!("{disposition}\r\n").as_bytes());
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn multipart_fields_are_validated_like_json_properties() {
    let (content_type, body) = multipart(&[
        ("count", None, None, b"0"),
        (
            "description",
            None,
            None,
            b"far more than twenty characters",
        ),
        ("labels", None, None, b"draft"),
        ("labels", None, None, b"sketch"),
        ("attachments", Some("1"), None, b"1"),
        ("attachments", Some("2"), None, b"2"),
        ("attachments", Some("3"), None, b"3"),
        ("attachments", Some("4"), None, b"4"),
    ]);
    let (status, reply, api) = send(post("/uploads", &content_type, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(
        paths(&reply),
        vec![
            ("$.file", "required"),
            ("$.attachments", "maxItems"),
            ("$.description", "maxLength"),
            ("$.count", "minimum"),
            ("$.labels[1]", "enum"),
        ]
    );
    assert!(api.uploads.lock().unwrap().is_empty());

    // A text field that is not UTF-8; a file part may be any bytes.
    let (content_type, body) = multipart(&[
        ("file", Some("x.bin"), None, &[0xff, 0xfe]),
        ("count", None, None, b"1"),
        ("description", None, None, &[0xff]),
    ]);
    let (status, reply, _) = send(post("/uploads", &content_type, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(paths(&reply), vec![("$.description", "type")]);
}

#[tokio::test]
async fn a_file_part_keeps_its_bytes_name_and_media_type() {
    let (content_type, body) = multipart(&[
        ("count", None, None, b" 3 "),
        // A file part without a file name is still the file.
        (
            "file",
            None,
            Some("application/pdf"),
            b"%PDF-1.7\r\n--not-a-boundary\r\n",
        ),
        ("ignored", None, None, b"whatever"),
    ]);
    let (status, reply, api) = send(post("/uploads", &content_type, body)).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let uploads = api.uploads.lock().unwrap();
    assert_eq!(
        uploads[0].file,
        file(
            b"%PDF-1.7\r\n--not-a-boundary\r\n",
            None,
            Some("application/pdf")
        )
    );
    assert_eq!((uploads[0].count, &uploads[0].attachments), (3, &None));
}

#[tokio::test]
async fn malformed_multipart_is_a_400_never_a_panic() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("multipart/form-data", b"--x\r\n\r\n".to_vec()),
        ("multipart/form-data; boundary=", b"".to_vec()),
        (
            "multipart/form-data; boundary=abc",
            b"no parts at all".to_vec(),
        ),
        (
            "multipart/form-data; boundary=abc",
            b"--abc\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n1".to_vec(),
        ),
        (
            "multipart/form-data; boundary=abc",
            b"--abc\r\nno headers end here".to_vec(),
        ),
        ("multipart/form-data; boundary=abc", vec![0xff; 64]),
    ];
    for (content_type, body) in cases {
        let (status, reply, api) = send(post("/uploads", content_type, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {reply}");
        assert_eq!(reply["code"], json!("INVALID_REQUEST"), "{content_type}");
        let message = reply["message"].as_str().unwrap();
        assert!(
            message.starts_with("the multipart body is malformed: "),
            "{message}"
        );
        assert!(api.uploads.lock().unwrap().is_empty());
    }
    let (status, _, _) = send(post("/uploads", "text/plain", "x")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn the_body_limit_holds_for_every_encoding() {
    let limit = 1024;
    let big = vec![b'a'; limit + 1];
    let (content_type, multipart_body) =
        multipart(&[("count", None, None, b"1"), ("file", Some("f"), None, &big)]);
    let cases = [
        ("/uploads", content_type.as_str(), multipart_body),
        ("/blobs/x", "application/octet-stream", big.clone()),
        ("/notes", "text/plain", big.clone()),
        ("/profiles", FORM, [b"name=".as_slice(), &big].concat()),
    ];
    for (uri, content_type, body) in cases {
        let request = |declared: bool| {
            let mut request = Request::builder()
                .uri(uri)
                .header("content-type", content_type);
            request = request.method(if uri.starts_with("/blobs") {
                "PUT"
            } else {
                "POST"
            });
            if declared {
                request = request.header("content-length", body.len());
            }
            request.body(Body::from(body.clone())).unwrap()
        };
        for declared in [true, false] {
            let (status, reply, _) = send_limited(request(declared), limit).await;
            assert_eq!(
                status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{uri} {declared}: {reply}"
            );
            assert_eq!(reply["code"], json!("PAYLOAD_TOO_LARGE"));
        }
    }
}

#[tokio::test]
async fn text_is_utf8_and_checked_against_its_schema() {
    let (status, reply, _) = send(post("/notes", "text/plain", vec![0x66, 0xff])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("the body is not UTF-8 text")
    );

    let (status, reply, _) = send(post("/notes", "text/plain; charset=utf-8", "<b>bold</b>")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(paths(&reply), vec![("$", "pattern")]);

    let (status, reply, _) = send(post("/notes", "text/plain", "x".repeat(41))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(paths(&reply), vec![("$", "maxLength")]);

    let (status, reply, _) = send(post("/notes", "text/html", "hi")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{reply}");

    let response = router(Arc::new(Recorder::default()), RouterConfig::default())
        .oneshot(post("/notes", "text/plain", "hi"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"HI");
}

#[tokio::test]
async fn raw_bytes_need_their_media_type() {
    let (status, reply, api) = send(
        Request::put("/blobs/x")
            .body(Body::from(PNG.to_vec()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{reply}");
    assert!(api.blobs.lock().unwrap().is_empty());

    let response = router(Arc::new(Recorder::default()), RouterConfig::default())
        .oneshot(
            Request::put("/blobs/x")
                .header("content-type", "application/octet-stream")
                .body(Body::from(PNG.to_vec()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..], PNG);
}

#[tokio::test]
async fn the_client_refuses_a_text_reply_that_is_not_utf8() {
    // A server that answers the note with bytes that are not UTF-8.
    let app = axum::Router::new().route(
        "/notes",
        axum::routing::post(|| async { ([("content-type", "text/plain")], vec![0xffu8, 0xfe]) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::new(format!("http://{address}"));
    let error = client
        .add_note(&ops::AddNoteRequest { body: None })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::InvalidBody { status, message }
            if *status == StatusCode::OK && message.contains("not UTF-8")),
        "{error}"
    );
}

#[test]
fn every_model_survives_json_files_included() {
    // A file is a string in JSON (its bytes as UTF-8): generated files round-trip.
    feature_non_json_bodies::strategies::check_all_roundtrips(64).unwrap();
    let file = File::new(vec![0xff, b'a']);
    assert_eq!(serde_json::to_value(&file).unwrap(), json!("\u{fffd}a"));
    let back: File = serde_json::from_value(json!("é")).unwrap();
    assert_eq!(back, File::new("é".as_bytes()));
}
