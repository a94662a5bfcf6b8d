//! A real SMTP server on loopback for the mail tests: it speaks enough of
//! RFC 5321 for lettre (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT) over TCP, keeps what it accepts (and
//! what it refused after DATA), and can be told to misbehave the ways real
//! relays do: stall, answer 4xx, answer 5xx, refuse one recipient, drop a
//! connection, hold its reply, or be down altogether.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
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
    /// Take each message, answer 250, then close the connection without a
    /// word (no 221): a relay that ends a session after one message, so the
    /// client's pooled connection is dead when it is next used.
    DropAfterAccept,
    /// Take the first message of each connection; on that connection's next
    /// `MAIL FROM`, close it without a reply (`NOOP` is still answered): a
    /// relay that dropped a session the client believed alive.
    DropOnReuse,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
    /// When the end of DATA was answered with 250 (read by the mail bench).
    #[allow(dead_code)]
    pub accepted_at: std::time::Instant,
    /// Which connection carried it (1, 2, … in the order they were accepted).
    pub session: usize,
    /// The name the client gave in EHLO/HELO.
    pub client_name: String,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }

    /// The `Message-ID` header's value, without angle brackets.
    pub fn message_id(&self) -> String {
        self.parsed()
            .message_id()
            .expect("a Message-ID header")
            .to_owned()
    }
}

/// Credentials a client authenticated with, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub mechanism: String,
    pub user: String,
    pub password: String,
}

#[derive(Default)]
struct Shared {
    behaviour: Option<Behaviour>,
    received: Vec<Received>,
    /// Messages whose DATA was answered with 4xx or 5xx.
    refused: Vec<Received>,
    /// Replies given to DATA, in order ("250", "451", "554").
    replies: Vec<String>,
    /// Pause before answering the end of DATA, to widen race windows.
    delay: Duration,
    /// SASL mechanisms advertised in EHLO ("PLAIN", "LOGIN"); when set,
    /// `MAIL FROM` needs a successful AUTH first.
    auth: Option<Vec<String>>,
    credentials: Vec<Credentials>,
    /// Recipients refused at `RCPT TO` with 550.
    refused_recipients: Vec<String>,
    /// Hold every DATA reply until messages from this many distinct EHLO
    /// names have reached the end of DATA, or the duration has passed.
    rendezvous: Option<(usize, Duration)>,
    /// EHLO names of clients that got a message to the end of DATA.
    clients_with_data: BTreeSet<String>,
    /// Connections accepted so far.
    sessions: usize,
    /// Every command line received, from every session, in order (not the
    /// message content).
    commands: Vec<String>,
    /// Messages whose DATA is complete but whose reply is held back.
    held: usize,
    /// Connections this server closed on purpose (`DropAfterAccept`, `DropOnReuse`).
    dropped: usize,
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
                let session_id = {
                    let mut shared = shared.lock().expect("lock");
                    shared.sessions += 1;
                    shared.sessions
                };
                accept_tasks.lock().expect("lock").spawn(async move {
                    let _ = session(stream, shared, session_id).await;
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

    /// Advertise these SASL mechanisms ("PLAIN", "LOGIN") and require AUTH
    /// before `MAIL FROM`.
    pub fn require_auth(&self, mechanisms: &[&str]) {
        self.shared.lock().expect("lock").auth =
            Some(mechanisms.iter().map(|m| m.to_ascii_uppercase()).collect());
    }

    /// Refuse `RCPT TO:<address>` with `550 5.1.1`, permanently.
    pub fn refuse_recipient(&self, address: &str) {
        self.shared
            .lock()
            .expect("lock")
            .refused_recipients
            .push(address.to_owned());
    }

    /// Hold every DATA reply until `clients` distinct EHLO names have each
    /// got a message to the end of DATA (or `at_most` has passed).
    pub fn set_rendezvous(&self, clients: usize, at_most: Duration) {
        self.shared.lock().expect("lock").rendezvous = Some((clients, at_most));
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

    /// Messages whose DATA was answered with 4xx or 5xx, in order.
    pub fn refused(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").refused.clone()
    }

    pub fn replies(&self) -> Vec<String> {
        self.shared.lock().expect("lock").replies.clone()
    }

    /// Every successful AUTH, decoded.
    pub fn credentials(&self) -> Vec<Credentials> {
        self.shared.lock().expect("lock").credentials.clone()
    }

    /// Every command line received (not message content), in order.
    pub fn commands(&self) -> Vec<String> {
        self.shared.lock().expect("lock").commands.clone()
    }

    /// Connections accepted so far.
    pub fn sessions(&self) -> usize {
        self.shared.lock().expect("lock").sessions
    }

    /// Messages complete and accepted whose 250 is still held back.
    pub fn held(&self) -> usize {
        self.shared.lock().expect("lock").held
    }

    /// Connections closed on purpose by `DropAfterAccept` or `DropOnReuse`.
    pub fn dropped(&self) -> usize {
        self.shared.lock().expect("lock").dropped
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

async fn read_command(lines: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if lines.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end().to_owned()))
}

async fn session(
    stream: TcpStream,
    shared: Arc<Mutex<Shared>>,
    session_id: usize,
) -> std::io::Result<()> {
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
    let mut client_name = String::new();
    let mut authenticated = false;
    let mut accepted_here = 0usize;
    loop {
        let Some(command) = read_command(&mut lines).await? else {
            return Ok(());
        };
        let upper = command.to_ascii_uppercase();
        let (behaviour, auth) = {
            let mut shared = shared.lock().expect("lock");
            shared.commands.push(command.clone());
            (shared.behaviour, shared.auth.clone())
        };
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            client_name = command[4..].trim().to_owned();
            if upper.starts_with("HELO") {
                write.write_all(b"250 qinglang-test\r\n").await?;
                continue;
            }
            let mut reply = String::from("250-qinglang-test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n");
            if let Some(mechanisms) = &auth {
                reply.push_str(&format!("250-AUTH {}\r\n", mechanisms.join(" ")));
            }
            reply.push_str("250 SIZE 104857600\r\n");
            write.write_all(reply.as_bytes()).await?;
        } else if upper.starts_with("AUTH ") {
            let mut words = command[5..].split_whitespace();
            let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
            let initial = words.next().map(str::to_owned);
            let offered = auth.as_ref().is_some_and(|m| m.contains(&mechanism));
            let decoded = match (offered, mechanism.as_str()) {
                (true, "PLAIN") => {
                    let response = match initial {
                        Some(r) => r,
                        None => {
                            write.write_all(b"334 \r\n").await?;
                            read_command(&mut lines).await?.unwrap_or_default()
                        }
                    };
                    base64_decode(&response).and_then(|bytes| {
                        let mut parts = bytes.split(|b| *b == 0).skip(1);
                        let user = String::from_utf8(parts.next()?.to_vec()).ok()?;
                        let password = String::from_utf8(parts.next()?.to_vec()).ok()?;
                        Some((user, password))
                    })
                }
                (true, "LOGIN") => {
                    let user = match initial {
                        Some(r) => r,
                        None => {
                            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                            read_command(&mut lines).await?.unwrap_or_default()
                        }
                    };
                    write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                    let password = read_command(&mut lines).await?.unwrap_or_default();
                    let text =
                        |b64: &str| base64_decode(b64).and_then(|b| String::from_utf8(b).ok());
                    text(&user).zip(text(&password))
                }
                _ => {
                    write
                        .write_all(b"504 5.5.4 mechanism not supported\r\n")
                        .await?;
                    continue;
                }
            };
            match decoded {
                Some((user, password)) => {
                    shared.lock().expect("lock").credentials.push(Credentials {
                        mechanism,
                        user,
                        password,
                    });
                    authenticated = true;
                    write
                        .write_all(b"235 2.7.0 authentication successful\r\n")
                        .await?;
                }
                None => {
                    write
                        .write_all(b"501 5.5.2 cannot decode the response\r\n")
                        .await?;
                }
            }
        } else if upper.starts_with("MAIL FROM:") {
            if behaviour == Some(Behaviour::DropOnReuse) && accepted_here > 0 {
                shared.lock().expect("lock").dropped += 1;
                return Ok(());
            }
            if auth.is_some() && !authenticated {
                write
                    .write_all(b"530 5.7.0 authentication required\r\n")
                    .await?;
                continue;
            }
            mail_from = address_of(&command["MAIL FROM:".len()..]);
            rcpt_to.clear();
            write.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            let address = address_of(&command["RCPT TO:".len()..]);
            let refused = shared
                .lock()
                .expect("lock")
                .refused_recipients
                .contains(&address);
            if refused {
                write
                    .write_all(format!("550 5.1.1 <{address}>: mailbox unavailable\r\n").as_bytes())
                    .await?;
                continue;
            }
            rcpt_to.push(address);
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
            let (reply, delay, rendezvous) = {
                let mut shared = shared.lock().expect("lock");
                let message = Received {
                    mail_from: mail_from.clone(),
                    rcpt_to: rcpt_to.clone(),
                    data,
                    accepted_at: std::time::Instant::now(),
                    session: session_id,
                    client_name: client_name.clone(),
                };
                let reply = match shared.behaviour {
                    Some(Behaviour::TemporaryFailures(n)) if n > 0 => {
                        shared.behaviour = Some(Behaviour::TemporaryFailures(n - 1));
                        shared.refused.push(message);
                        "451 4.3.0 try again later"
                    }
                    Some(Behaviour::Reject) => {
                        shared.refused.push(message);
                        "554 5.7.1 message refused"
                    }
                    _ => {
                        shared.received.push(message);
                        "250 2.0.0 queued as TEST"
                    }
                };
                shared.replies.push(reply[..3].to_owned());
                shared.clients_with_data.insert(client_name.clone());
                shared.held += 1;
                (reply, shared.delay, shared.rendezvous)
            };
            if let Some((clients, at_most)) = rendezvous {
                let deadline = tokio::time::Instant::now() + at_most;
                while shared.lock().expect("lock").clients_with_data.len() < clients
                    && tokio::time::Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let drop_after =
                reply.starts_with('2') && behaviour == Some(Behaviour::DropAfterAccept);
            {
                let mut shared = shared.lock().expect("lock");
                shared.held -= 1;
                // Counted before the reply, so a client that has seen the
                // 250 also sees the drop counted.
                if drop_after {
                    shared.dropped += 1;
                }
            }
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
            if drop_after {
                return Ok(());
            }
            if reply.starts_with('2') {
                accepted_here += 1;
            }
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

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (SASL, RFC 4648 §4); `None` when malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = BASE64.iter().position(|b| *b == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
