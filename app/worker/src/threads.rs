//! The CPU backend's threads. The standard build runs its kernels on the worker's own thread.
//! The multi-threaded build (`scripts/build-threads.sh`: std rebuilt with atomics, shared
//! memory) starts a rayon pool of Web Workers that share this module's memory, one per logical
//! core the browser reports but one (`pool_size`), before the worker takes its first request;
//! burn's CPU kernels (matrix products, reductions, element-wise loops) then split their work
//! across it. The page loads that build only where it is cross-origin isolated and has no
//! WebGPU adapter (`www/worker.js`).

/// Starts the pool where this build has one and returns how many threads the CPU kernels use.
#[cfg(target_feature = "atomics")]
pub async fn start_pool() -> usize {
    use wasm_bindgen::JsCast;

    let cores = crate::timers::scope()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .navigator()
        .hardware_concurrency() as usize;
    let threads = pool_size(cores);
    match wasm_bindgen_futures::JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads)).await
    {
        Ok(_) => rayon::current_num_threads(),
        Err(e) => {
            // rayon then runs every kernel on this thread: slower, never wrong.
            web_sys::console::error_2(&"the CPU thread pool did not start:".into(), &e);
            1
        }
    }
}

/// The single-threaded build: the kernels run on the worker's own thread.
#[cfg(not(target_feature = "atomics"))]
pub async fn start_pool() -> usize {
    1
}

/// More workers than this cost memory (each has its own stack) without making products faster.
#[cfg(target_feature = "atomics")]
const MAX_THREADS: usize = 16;

/// The pool for `cores` logical cores: one core is left to the page's thread (it renders the
/// progress while the pool computes), except on two cores or fewer, where that would leave no
/// parallelism at all.
#[cfg(target_feature = "atomics")]
fn pool_size(cores: usize) -> usize {
    let threads = if cores > 2 { cores - 1 } else { cores };
    threads.clamp(1, MAX_THREADS)
}
