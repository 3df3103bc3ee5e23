//! `RedisTaskStore` against a real `redis-server` (feature `redis`).
//!
//! Reads `REDIS_URL` (`tests/interop/tasks_replicas.sh` starts a Redis and
//! sets it) and fails when it is unset: these tests never skip silently.
//! Each test works under a key prefix of its own, so they run in parallel
//! on one Redis and a rerun never sees an earlier run's keys.

#![cfg(feature = "redis")]

use std::time::Duration;

use registry_server::tasks::{
    Beat, Finish, Finished, Heartbeat, Limits, RedisTaskStore, StoreError, StoredError, StoredField, TaskOutcome,
    TaskProgress, TaskRecord, TaskStatus, TaskStore, new_id, now_ms,
};
use serde_json::json;

fn redis_url() -> String {
    std::env::var("REDIS_URL").expect(
        "REDIS_URL must name a running Redis (tests/interop/tasks_replicas.sh starts one): \
         these tests fail rather than skip without it",
    )
}

/// A store under a prefix no other test or run shares.
async fn store(test: &str) -> RedisTaskStore {
    let prefix = format!("api-registry-test:{test}:{}:", new_id());
    RedisTaskStore::connect(&redis_url())
        .await
        .expect("the Redis at REDIS_URL answers")
        .key_prefix(prefix)
}

const BIG: Limits = Limits {
    total: 1_000,
    per_owner: 1_000,
};

fn working(owner: Option<&str>, created_at_ms: u64, lease_ms: u64, ttl_ms: u64) -> TaskRecord {
    TaskRecord {
        id: new_id(),
        owner: owner.map(str::to_owned),
        function: "slow_count".to_owned(),
        status: TaskStatus::Working,
        status_message: None,
        progress: None,
        created_at_ms,
        updated_at_ms: created_at_ms,
        ttl_ms,
        lease_until_ms: created_at_ms + lease_ms,
        outcome: None,
    }
}

fn full(err: Result<(), StoreError>) -> (&'static str, usize) {
    match err {
        Err(StoreError::Full { scope, limit }) => (scope, limit),
        other => panic!("expected Full, got {other:?}"),
    }
}

fn cancel_at(at_ms: u64) -> Finish {
    Finish {
        status: TaskStatus::Cancelled,
        status_message: Some("The task was cancelled by request.".to_owned()),
        outcome: None,
        at_ms,
    }
}

#[tokio::test]
async fn create_get_round_trip_keeps_every_field() {
    let store = store("round-trip").await;
    let now = now_ms();
    // Every optional field set, and values Lua's cjson would mangle: an
    // empty array, an empty object, integers past 2^53, a negative, a float,
    // unicode and JSON-looking text.
    let mut record = working(Some("alice@example.com"), now, 15_000, 3_600_000);
    record.status_message = Some("step 3 of 10 — «ok» {\"not\": json}".to_owned());
    record.progress = Some(TaskProgress {
        progress: 3.0,
        total: Some(10.0),
    });
    record.outcome = Some(TaskOutcome::Value(json!({
        "empty": [], "object": {}, "big": 18_446_744_073_709_551_615_u64, "neg": -9_007_199_254_740_993_i64,
        "float": 0.1, "nested": [[], [{}], null, true], "text": "ünïcödé\n\"q\""
    })));
    store.create(&record, BIG).await.unwrap();
    let back = store.get(&record.id).await.unwrap().expect("the record is there");
    assert_eq!(back, record);
    // Serialized, byte for byte the same JSON.
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&record).unwrap()
    );

    // Owner None and an empty owner are distinct; optional fields absent stay absent.
    let anonymous = working(None, now, 15_000, 3_600_000);
    store.create(&anonymous, BIG).await.unwrap();
    assert_eq!(store.get(&anonymous.id).await.unwrap(), Some(anonymous.clone()));
    let empty_owner = working(Some(""), now, 15_000, 3_600_000);
    store.create(&empty_owner, BIG).await.unwrap();
    assert_eq!(store.get(&empty_owner.id).await.unwrap(), Some(empty_owner));

    // An error outcome, with fields and retry-after, through finish.
    let finish = Finish {
        status: TaskStatus::Completed,
        status_message: Some("count must be at most 50".to_owned()),
        outcome: Some(TaskOutcome::Error(StoredError {
            kind: "invalid_arguments".to_owned(),
            message: "count must be at most 50".to_owned(),
            fields: vec![StoredField {
                field: "count".to_owned(),
                reason: "must be at most 50".to_owned(),
            }],
            retry_after_ms: Some(1_500),
        })),
        at_ms: now + 7,
    };
    let Finished::Moved(moved) = store.finish(&anonymous.id, &finish).await.unwrap() else {
        panic!("a working task moves");
    };
    let expected = TaskRecord {
        status: TaskStatus::Completed,
        status_message: finish.status_message.clone(),
        outcome: finish.outcome.clone(),
        updated_at_ms: now + 7,
        ..anonymous.clone()
    };
    assert_eq!(moved, expected);
    assert_eq!(store.get(&anonymous.id).await.unwrap(), Some(expected));

    assert_eq!(store.get(&new_id()).await.unwrap(), None);
}

#[tokio::test]
async fn limits_in_all_and_per_owner_are_exact() {
    let store = store("limits").await;
    let now = now_ms();
    let limits = Limits { total: 5, per_owner: 3 };
    for _ in 0..3 {
        store
            .create(&working(Some("a"), now, 60_000, 3_600_000), limits)
            .await
            .unwrap();
    }
    // The fourth of owner a is refused, b still starts.
    assert_eq!(
        full(store.create(&working(Some("a"), now, 60_000, 3_600_000), limits).await),
        ("for this caller", 3)
    );
    store
        .create(&working(Some("b"), now, 60_000, 3_600_000), limits)
        .await
        .unwrap();
    store
        .create(&working(None, now, 60_000, 3_600_000), limits)
        .await
        .unwrap();
    // Five live in all: anyone's sixth is refused, with the total's scope.
    assert_eq!(
        full(store.create(&working(Some("c"), now, 60_000, 3_600_000), limits).await),
        ("in all", 5)
    );
    // An owner named "-" is not the anonymous caller.
    let limits_one = Limits {
        total: 100,
        per_owner: 1,
    };
    let other = self::store("limits-dash").await;
    other
        .create(&working(None, now, 60_000, 3_600_000), limits_one)
        .await
        .unwrap();
    other
        .create(&working(Some("-"), now, 60_000, 3_600_000), limits_one)
        .await
        .unwrap();
    assert_eq!(
        full(other.create(&working(None, now, 60_000, 3_600_000), limits_one).await),
        ("for this caller", 1)
    );

    // A finished task frees its slot at once.
    let s = self::store("limits-finish").await;
    let limits = Limits { total: 2, per_owner: 2 };
    let first = working(Some("a"), now, 60_000, 3_600_000);
    s.create(&first, limits).await.unwrap();
    s.create(&working(Some("a"), now, 60_000, 3_600_000), limits)
        .await
        .unwrap();
    assert_eq!(
        full(s.create(&working(Some("b"), now, 60_000, 3_600_000), limits).await),
        ("in all", 2)
    );
    assert!(matches!(
        s.finish(&first.id, &cancel_at(now)).await.unwrap(),
        Finished::Moved(_)
    ));
    s.create(&working(Some("b"), now, 60_000, 3_600_000), limits)
        .await
        .unwrap();
}

#[tokio::test]
async fn at_most_ten_times_the_live_limit_of_records_are_kept() {
    let store = store("records").await;
    let now = now_ms();
    let limits = Limits { total: 2, per_owner: 2 };
    // Twenty finished records (short-lived ones among them), then the cap.
    let mut short = Vec::new();
    for i in 0..20 {
        let record = working(Some("a"), now, 60_000, if i < 3 { 300 } else { 3_600_000 });
        store.create(&record, limits).await.unwrap();
        assert!(matches!(
            store.finish(&record.id, &cancel_at(now)).await.unwrap(),
            Finished::Moved(_)
        ));
        if i < 3 {
            short.push(record);
        }
    }
    assert_eq!(
        full(store.create(&working(Some("b"), now, 60_000, 3_600_000), limits).await),
        ("with finished results kept", 20)
    );
    // Once the three short-lived records expire, three more fit.
    tokio::time::sleep(Duration::from_millis(400)).await;
    for _ in 0..3 {
        let record = working(Some("b"), now_ms(), 60_000, 3_600_000);
        store.create(&record, limits).await.unwrap();
        store.finish(&record.id, &cancel_at(now_ms())).await.unwrap();
    }
    assert_eq!(
        full(
            store
                .create(&working(Some("b"), now_ms(), 60_000, 3_600_000), limits)
                .await
        ),
        ("with finished results kept", 20)
    );
}

#[tokio::test]
async fn an_expired_lease_frees_its_slot_and_a_heartbeat_takes_it_back() {
    let store = store("lease").await;
    let limits = Limits { total: 1, per_owner: 1 };
    let now = now_ms();
    // Leased until now + 200 ms.
    let first = working(Some("a"), now, 200, 3_600_000);
    store.create(&first, limits).await.unwrap();
    assert_eq!(
        full(
            store
                .create(&working(Some("a"), now + 100, 200, 3_600_000), limits)
                .await
        ),
        ("in all", 1)
    );
    // At exactly the lease's end it still holds (lease_until_ms >= now).
    assert_eq!(
        full(
            store
                .create(&working(Some("a"), now + 200, 200, 3_600_000), limits)
                .await
        ),
        ("in all", 1)
    );
    // Past it, the slot is free (the record itself stays, working: the
    // server fails it as unavailable when someone looks).
    let second = working(Some("a"), now + 201, 60_000, 3_600_000);
    store.create(&second, limits).await.unwrap();
    let stale = store.get(&first.id).await.unwrap().unwrap();
    assert!(stale.lease_lost(now + 201));
    // Finishing the second frees the slot; a late heartbeat of the first
    // renews its lease and makes it live again, so a third is refused.
    assert!(matches!(
        store.finish(&second.id, &cancel_at(now + 300)).await.unwrap(),
        Finished::Moved(_)
    ));
    let beat = Heartbeat {
        lease_until_ms: now + 60_000,
        progress: None,
        status_message: None,
        at_ms: now + 300,
    };
    assert_eq!(store.heartbeat(&first.id, &beat).await.unwrap(), Beat::Working);
    assert_eq!(
        full(
            store
                .create(&working(Some("b"), now + 301, 200, 3_600_000), limits)
                .await
        ),
        ("in all", 1)
    );
}

#[tokio::test]
async fn heartbeats_record_progress_and_stop_after_a_cancel() {
    let store = store("heartbeat").await;
    let now = now_ms();
    let record = working(Some("a"), now, 2_000, 3_600_000);
    store.create(&record, BIG).await.unwrap();

    // A lease renewal alone changes neither progress nor updated_at_ms.
    let renew = Heartbeat {
        lease_until_ms: now + 4_000,
        progress: None,
        status_message: None,
        at_ms: now + 10,
    };
    assert_eq!(store.heartbeat(&record.id, &renew).await.unwrap(), Beat::Working);
    let got = store.get(&record.id).await.unwrap().unwrap();
    assert_eq!(
        (got.lease_until_ms, got.updated_at_ms, got.progress),
        (now + 4_000, now, None)
    );

    let beat = Heartbeat {
        lease_until_ms: now + 5_000,
        progress: Some(TaskProgress {
            progress: 2.5,
            total: None,
        }),
        status_message: Some("halfway".to_owned()),
        at_ms: now + 20,
    };
    assert_eq!(store.heartbeat(&record.id, &beat).await.unwrap(), Beat::Working);
    let got = store.get(&record.id).await.unwrap().unwrap();
    assert_eq!(got.progress, beat.progress);
    assert_eq!(got.status_message.as_deref(), Some("halfway"));
    assert_eq!((got.lease_until_ms, got.updated_at_ms), (now + 5_000, now + 20));

    // A message alone keeps the last progress.
    let message = Heartbeat {
        lease_until_ms: now + 6_000,
        progress: None,
        status_message: Some("almost".to_owned()),
        at_ms: now + 30,
    };
    store.heartbeat(&record.id, &message).await.unwrap();
    let got = store.get(&record.id).await.unwrap().unwrap();
    assert_eq!(
        (got.progress, got.status_message.as_deref()),
        (beat.progress.clone(), Some("almost"))
    );

    // Another replica cancels: the runner's next heartbeat says stop, and
    // changes nothing.
    assert!(matches!(
        store.finish(&record.id, &cancel_at(now + 40)).await.unwrap(),
        Finished::Moved(_)
    ));
    assert_eq!(store.heartbeat(&record.id, &beat).await.unwrap(), Beat::Stop);
    let got = store.get(&record.id).await.unwrap().unwrap();
    assert_eq!(got.status, TaskStatus::Cancelled);
    assert_eq!(got.lease_until_ms, now + 6_000);
    assert_eq!(
        got.status_message.as_deref(),
        Some("The task was cancelled by request.")
    );

    assert_eq!(store.heartbeat(&new_id(), &beat).await.unwrap(), Beat::Gone);
}

#[tokio::test]
async fn finish_moves_once_and_never_overwrites_a_terminal_record() {
    let store = store("finish").await;
    let now = now_ms();
    let record = working(None, now, 15_000, 3_600_000);
    store.create(&record, BIG).await.unwrap();
    let done = Finish {
        status: TaskStatus::Completed,
        status_message: None,
        outcome: Some(TaskOutcome::Value(json!({"sum": 3}))),
        at_ms: now + 5,
    };
    let Finished::Moved(first) = store.finish(&record.id, &done).await.unwrap() else {
        panic!("the first finish moves");
    };
    assert_eq!(first.status, TaskStatus::Completed);
    assert_eq!(first.outcome, done.outcome);
    // A late cancel (or a lease-lost failure) finds it terminal, unchanged.
    let failed = Finish {
        status: TaskStatus::Failed,
        status_message: Some("the replica running this task stopped".to_owned()),
        outcome: None,
        at_ms: now + 9,
    };
    assert_eq!(
        store.finish(&record.id, &failed).await.unwrap(),
        Finished::AlreadyTerminal(first.clone())
    );
    assert_eq!(
        store.finish(&record.id, &cancel_at(now + 10)).await.unwrap(),
        Finished::AlreadyTerminal(first.clone())
    );
    assert_eq!(store.get(&record.id).await.unwrap(), Some(first));
    assert_eq!(store.finish(&new_id(), &done).await.unwrap(), Finished::Missing);

    // Cancelled: no outcome, even if the record had none before.
    let other = working(None, now, 15_000, 3_600_000);
    store.create(&other, BIG).await.unwrap();
    let Finished::Moved(cancelled) = store.finish(&other.id, &cancel_at(now + 1)).await.unwrap() else {
        panic!("a working task moves");
    };
    assert_eq!((cancelled.status, cancelled.outcome), (TaskStatus::Cancelled, None));
}

#[tokio::test]
async fn records_expire_at_their_ttl() {
    let store = store("ttl").await;
    let now = now_ms();
    let limits = Limits { total: 1, per_owner: 1 };
    let record = working(Some("a"), now, 60_000, 300);
    store.create(&record, limits).await.unwrap();
    assert!(store.get(&record.id).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(store.get(&record.id).await.unwrap(), None);
    let beat = Heartbeat {
        lease_until_ms: now_ms() + 60_000,
        progress: None,
        status_message: None,
        at_ms: now_ms(),
    };
    assert_eq!(store.heartbeat(&record.id, &beat).await.unwrap(), Beat::Gone);
    assert_eq!(
        store.finish(&record.id, &cancel_at(now_ms())).await.unwrap(),
        Finished::Missing
    );
    assert!(store.list(Some("a")).await.unwrap().is_empty());
    // Its slot went with it, though its lease had a minute left.
    store
        .create(&working(Some("a"), now_ms(), 60_000, 3_600_000), limits)
        .await
        .unwrap();
}

#[tokio::test]
async fn list_is_per_owner_newest_first() {
    let store = store("list").await;
    let now = now_ms();
    let mut alice = Vec::new();
    for i in 0..4 {
        let record = working(Some("alice"), now + i * 10, 15_000, 3_600_000);
        store.create(&record, BIG).await.unwrap();
        alice.push(record);
    }
    // Two at the same millisecond: ids ascending, as the in-memory store.
    let mut twins = [
        working(Some("alice"), now + 100, 15_000, 3_600_000),
        working(Some("alice"), now + 100, 15_000, 3_600_000),
    ];
    for record in &twins {
        store.create(record, BIG).await.unwrap();
    }
    twins.sort_by(|a, b| a.id.cmp(&b.id));
    let short = working(Some("alice"), now + 5, 15_000, 300);
    store.create(&short, BIG).await.unwrap();
    let bob = working(Some("bob"), now + 50, 15_000, 3_600_000);
    store.create(&bob, BIG).await.unwrap();
    let anonymous = working(None, now + 60, 15_000, 3_600_000);
    store.create(&anonymous, BIG).await.unwrap();

    tokio::time::sleep(Duration::from_millis(450)).await;
    let listed: Vec<String> = store
        .list(Some("alice"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut expected: Vec<String> = twins.iter().map(|r| r.id.clone()).collect();
    expected.extend(alice.iter().rev().map(|r| r.id.clone()));
    assert_eq!(listed, expected, "newest first, the expired one gone");
    assert_eq!(store.list(Some("bob")).await.unwrap(), vec![bob]);
    assert_eq!(store.list(None).await.unwrap(), vec![anonymous]);
    assert!(store.list(Some("carol")).await.unwrap().is_empty());
    // A finished task is still listed, with its state.
    store.finish(&alice[0].id, &cancel_at(now + 200)).await.unwrap();
    let listed = store.list(Some("alice")).await.unwrap();
    assert_eq!(listed.len(), 6);
    assert_eq!(listed.last().unwrap().status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn an_unreachable_redis_is_unavailable() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    match RedisTaskStore::connect(&format!("redis://127.0.0.1:{port}/")).await {
        Err(StoreError::Unavailable(message)) => assert!(message.contains("Redis"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "refused promptly");
    match RedisTaskStore::connect("not a url").await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_record_is_unavailable() {
    let store = store("malformed").await;
    let id = new_id();
    // Written by something else: a status the store does not know.
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}task:{id}", store.prefix());
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("id")
        .arg(&id)
        .arg("status")
        .arg("sleeping")
        .query_async(&mut connection)
        .await
        .unwrap();
    let _: () = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(60_000)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(matches!(store.get(&id).await, Err(StoreError::Unavailable(_))));
}
