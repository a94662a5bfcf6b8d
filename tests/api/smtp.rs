//! A real SMTP server on loopback for the mail tests: it speaks enough of
//! RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET,
//! NOOP, QUIT) over TCP, keeps what it accepts, and can be told to
//! misbehave the ways real relays do: stall, answer 4xx, answer 5xx, or be
//! down altogether.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Take every message.
    Accept,
    /// Accept connections and never say a word.
    Stall,
    /// Answer `451` to this many messages, then accept.
    TemporaryFailures(u32),
    /// Answer `554` to every message.
    Reject,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
    /// When the end of DATA was answered with 250 (read by the mail bench).
    #[allow(dead_code)]
    pub accepted_at: std::time::Instant,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }
}

#[derive(Default)]
struct Shared {
    behaviour: Option<Behaviour>,
    received: Vec<Received>,
    /// Replies given to DATA, in order ("250", "451", "554").
    replies: Vec<String>,
    /// Pause before answering the end of DATA, to widen race windows.
    delay: Duration,
}

pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

/// A free loopback port with nothing listening on it (yet).
pub fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(0).await
    }

    pub async fn start_on(port: u16) -> SmtpServer {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket
            .bind(([127, 0, 0, 1], port).into())
            .expect("bind the SMTP port");
        let listener: TcpListener = socket.listen(64).expect("listen");
        let port = listener.local_addr().expect("address").port();
        let shared = Arc::new(Mutex::new(Shared {
            behaviour: Some(Behaviour::Accept),
            ..Default::default()
        }));
        let tasks = Arc::new(Mutex::new(JoinSet::new()));
        let (accept_shared, accept_tasks) = (Arc::clone(&shared), Arc::clone(&tasks));
        tasks.lock().expect("lock").spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = Arc::clone(&accept_shared);
                accept_tasks.lock().expect("lock").spawn(async move {
                    let _ = session(stream, shared).await;
                });
            }
        });
        SmtpServer {
            port,
            shared,
            tasks,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.shared.lock().expect("lock").behaviour = Some(behaviour);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().expect("lock").delay = delay;
    }

    /// How many messages were accepted (cheaper than `received`; for the
    /// mail bench).
    #[allow(dead_code)]
    pub fn count(&self) -> usize {
        self.shared.lock().expect("lock").received.len()
    }

    /// When each accepted message was accepted, in order (for the mail bench).
    #[allow(dead_code)]
    pub fn accepted_at(&self) -> Vec<std::time::Instant> {
        let shared = self.shared.lock().expect("lock");
        shared.received.iter().map(|r| r.accepted_at).collect()
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").received.clone()
    }

    pub fn replies(&self) -> Vec<String> {
        self.shared.lock().expect("lock").replies.clone()
    }

    /// Messages to `recipient`, waiting up to `within` for at least `count`.
    pub async fn wait_for(&self, recipient: &str, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let matching: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|m| m.rcpt_to.iter().any(|r| r == recipient))
                .collect();
            if matching.len() >= count {
                return matching;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "expected {count} message(s) to {recipient} within {within:?}; got {} (all: {:?})",
                    matching.len(),
                    self.received().iter().map(|m| &m.rcpt_to).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops listening and drops every open connection: the server is down.
    pub fn stop(&self) {
        self.tasks.lock().expect("lock").abort_all();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(stream: TcpStream, shared: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let behaviour = shared.lock().expect("lock").behaviour;
    if behaviour == Some(Behaviour::Stall) {
        // Hold the connection open, silent, until the client gives up.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return Ok(());
    }
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 qinglang-test ESMTP\r\n").await?;
    let mut mail_from = String::new();
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(
                    b"250-qinglang-test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600\r\n",
                )
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 qinglang-test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail_from = address_of(&command["MAIL FROM:".len()..]);
            rcpt_to.clear();
            write.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            rcpt_to.push(address_of(&command["RCPT TO:".len()..]));
            write.write_all(b"250 2.1.5 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            let mut raw = Vec::new();
            loop {
                raw.clear();
                if lines.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 §4.5.2).
                let content = if raw.starts_with(b"..") {
                    &raw[1..]
                } else {
                    &raw[..]
                };
                data.extend_from_slice(content);
            }
            let (reply, delay) = {
                let mut shared = shared.lock().expect("lock");
                let reply = match shared.behaviour {
                    Some(Behaviour::TemporaryFailures(n)) if n > 0 => {
                        shared.behaviour = Some(Behaviour::TemporaryFailures(n - 1));
                        "451 4.3.0 try again later"
                    }
                    Some(Behaviour::Reject) => "554 5.7.1 message refused",
                    _ => {
                        shared.received.push(Received {
                            mail_from: mail_from.clone(),
                            rcpt_to: rcpt_to.clone(),
                            data,
                            accepted_at: std::time::Instant::now(),
                        });
                        "250 2.0.0 queued as TEST"
                    }
                };
                shared.replies.push(reply[..3].to_owned());
                (reply, shared.delay)
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        } else if upper == "RSET" {
            mail_from.clear();
            rcpt_to.clear();
            write.write_all(b"250 2.0.0 OK\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 2.0.0 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            write
                .write_all(b"502 5.5.2 command not recognized\r\n")
                .await?;
        }
    }
}

/// `<a@b> SIZE=123` → `a@b`.
fn address_of(argument: &str) -> String {
    let argument = argument.trim();
    match (argument.find('<'), argument.find('>')) {
        (Some(start), Some(end)) if end > start => argument[start + 1..end].to_owned(),
        _ => argument
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}
