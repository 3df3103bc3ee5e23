//! Registry build time for 10 and 100 generated functions (each `(a: i64, b:
//! i64) -> i64`, documented): selection, sorting and duplicate checks
//! (`N`), and the same plus every schema, which a registry builds only when
//! asked (`N/with_schemas`: what serving `tools/list` or `/openapi.json`
//! adds). The 1,000-function figure comes from `benches/many` (a separate
//! crate: a long compile), run by `scripts/bench.sh`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_core::{Registry, api_function};

macro_rules! first_ten {
    ($($name:ident)*) => { $(
        #[doc = "A generated function."]
        #[api_function(tags = ["g10", "g100"])]
        fn $name(a: i64, b: i64) -> i64 {
            a + b
        }
    )* };
}

macro_rules! next_ninety {
    ($($name:ident)*) => { $(
        #[doc = "A generated function."]
        #[api_function(tags = ["g100"])]
        fn $name(a: i64, b: i64) -> i64 {
            a + b
        }
    )* };
}

first_ten! { g10_000 g10_001 g10_002 g10_003 g10_004 g10_005 g10_006 g10_007 g10_008 g10_009 }
next_ninety! { g100_010 g100_011 g100_012 g100_013 g100_014 g100_015 g100_016 g100_017 g100_018 g100_019 g100_020 g100_021 g100_022 g100_023 g100_024 g100_025 g100_026 g100_027 g100_028 g100_029 g100_030 g100_031 g100_032 g100_033 g100_034 g100_035 g100_036 g100_037 g100_038 g100_039 g100_040 g100_041 g100_042 g100_043 g100_044 g100_045 g100_046 g100_047 g100_048 g100_049 g100_050 g100_051 g100_052 g100_053 g100_054 g100_055 g100_056 g100_057 g100_058 g100_059 g100_060 g100_061 g100_062 g100_063 g100_064 g100_065 g100_066 g100_067 g100_068 g100_069 g100_070 g100_071 g100_072 g100_073 g100_074 g100_075 g100_076 g100_077 g100_078 g100_079 g100_080 g100_081 g100_082 g100_083 g100_084 g100_085 g100_086 g100_087 g100_088 g100_089 g100_090 g100_091 g100_092 g100_093 g100_094 g100_095 g100_096 g100_097 g100_098 g100_099 }

fn benches(c: &mut Criterion) {
    assert_eq!(Registry::builder().tag("g10").build().unwrap().len(), 10);
    assert_eq!(Registry::builder().tag("g100").build().unwrap().len(), 100);
    let mut group = c.benchmark_group("registry_build");
    group.bench_function("10", |b| {
        b.iter(|| black_box(Registry::builder().tag("g10").build().unwrap()))
    });
    group.bench_function("100", |b| {
        b.iter(|| black_box(Registry::builder().tag("g100").build().unwrap()))
    });
    for tag in ["g10", "g100"] {
        group.bench_function(format!("{}/with_schemas", &tag[1..]), |b| {
            b.iter(|| {
                let registry = Registry::builder().tag(tag).build().unwrap();
                for entry in registry.entries() {
                    black_box(entry.schemas());
                }
                registry
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = registry_build;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(registry_build);
