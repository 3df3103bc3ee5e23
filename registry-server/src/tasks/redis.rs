//! `RedisTaskStore` (feature `redis`): to be written.
