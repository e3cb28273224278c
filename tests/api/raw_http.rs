//! A bare HTTP/1.1 client over a TCP stream, for requests no HTTP library
//! will send: bodies that stall, header lines that are not headers, heads
//! of any size.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;

use crate::helpers::TestApp;

/// What came back: the status line's code, the headers (names lower-case),
/// the body, how long the answer took, and whether the server closed the
/// connection after it.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub took: Duration,
    pub closed: bool,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The problem's `code`, after checking the answer is problem+json.
    pub fn problem_code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        let body: serde_json::Value = serde_json::from_slice(&self.body).expect("problem json");
        assert_eq!(body["status"], self.status, "{body}");
        body["code"].as_str().expect("code").to_owned()
    }
}

/// Opens a connection to the app.
pub async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connect")
}

/// Writes `request` while reading one response, leaving the connection
/// open for writing (a server may answer before it has read everything,
/// or stop reading); panics if no answer comes within `limit`.
pub async fn exchange(app: &TestApp, request: &[u8], limit: Duration) -> RawResponse {
    let (mut reader, mut writer) = connect(app).await.into_split();
    let started = Instant::now();
    let request = request.to_vec();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        // Hold the write half open: no end of input the server could act on.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(writer);
    });
    let response = tokio::time::timeout(limit, read_response(&mut reader, started)).await;
    writing.abort();
    response.unwrap_or_else(|_| panic!("no answer within {limit:?}"))
}

async fn read_response(stream: &mut OwnedReadHalf, started: Instant) -> RawResponse {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => panic!(
                "connection closed before a response head: {:?}",
                String::from_utf8_lossy(&buffer)
            ),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let took = started.elapsed();
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(length);
    let closed = matches!(
        tokio::time::timeout(Duration::from_secs(2), stream.read(&mut chunk)).await,
        Ok(Ok(0) | Err(_))
    );
    RawResponse {
        status,
        headers,
        body,
        took,
        closed,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
