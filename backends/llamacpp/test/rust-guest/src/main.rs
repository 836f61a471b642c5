//! llm-rust MODE NAME|@FILE PROMPT OPTIONS_JSON: the modes of guest/examples/llm.c
//! (chat, stream, embedding, unload, set-input-twice, model-not-found) through
//! the wasmedge-wasi-nn crate, printing the same lines (texts as hex) so the
//! tests read both guests alike.
use serde_json::Value;
use std::env;
use std::process::exit;
use wasmedge_wasi_nn::{
    BackendError, Error, ExecutionTarget, Graph, GraphBuilder, GraphEncoding, GraphExecutionContext, TensorType,
};

// WasmEdge's examples read outputs into a fixed buffer: 4096 tokens x 6 bytes.
const MAX_OUTPUT_BUFFER_SIZE: usize = 4096 * 6;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

fn error_name(e: &Error) -> String {
    match e {
        Error::BackendError(BackendError::EndOfSequence) => "end_of_sequence".into(),
        Error::BackendError(BackendError::ContextFull) => "context_full".into(),
        Error::BackendError(BackendError::PromptTooLong) => "prompt_too_long".into(),
        Error::BackendError(BackendError::ModelNotFound) => "model_not_found".into(),
        Error::BackendError(BackendError::InvalidArgument) => "invalid_argument".into(),
        Error::BackendError(BackendError::UnsupportedOperation) => "unsupported_operation".into(),
        Error::BackendError(BackendError::NotFound) => "not_found".into(),
        other => format!("{}", other),
    }
}

fn fail(what: &str, e: Error) -> ! {
    println!("error: {}: {}", what, error_name(&e));
    exit(1)
}

fn output(context: &GraphExecutionContext, index: usize, single: bool) -> Result<Vec<u8>, Error> {
    let mut buffer = vec![0u8; MAX_OUTPUT_BUFFER_SIZE];
    let size = if single {
        context.get_output_single(index, &mut buffer)?
    } else {
        context.get_output(index, &mut buffer)?
    };
    buffer.truncate(size.min(MAX_OUTPUT_BUFFER_SIZE));
    Ok(buffer)
}

fn metadata(context: &GraphExecutionContext) -> Value {
    let bytes = output(context, 1, false).unwrap_or_else(|e| fail("get_output(1)", e));
    serde_json::from_slice(&bytes).expect("metadata is JSON")
}

fn print_metadata(label: &str, context: &GraphExecutionContext) {
    let bytes = output(context, 1, false).unwrap_or_else(|e| fail("get_output(1)", e));
    println!("{}: {}", label, String::from_utf8_lossy(&bytes));
}

// A preloaded model by name, or @FILE: its bytes with the options as builder 1.
fn build(model: &str, options: &Value) -> Result<Graph, Error> {
    let config = serde_json::to_string(options).expect("options serialize");
    let builder = GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO);
    match model.strip_prefix('@') {
        Some(path) => builder.build_from_bytes([std::fs::read(path)?, config.into_bytes()]),
        None => builder.config(config).build_from_cache(model),
    }
}

fn start(model: &str, options: &Value, prompt: &str) -> (Graph, GraphExecutionContext) {
    let graph = build(model, options).unwrap_or_else(|e| fail("load/init/set_input", e));
    let mut context = graph.init_execution_context().unwrap_or_else(|e| fail("load/init/set_input", e));
    let data = prompt.as_bytes().to_vec();
    context
        .set_input(0, TensorType::U8, &[data.len()], &data)
        .unwrap_or_else(|e| fail("load/init/set_input", e));
    (graph, context)
}

fn compute(context: &mut GraphExecutionContext) {
    match context.compute() {
        Ok(_) => (),
        Err(Error::BackendError(BackendError::ContextFull)) => println!("info: compute: context_full"),
        Err(Error::BackendError(BackendError::PromptTooLong)) => println!("info: compute: prompt_too_long"),
        Err(e) => fail("compute", e),
    }
}

fn chat(model: &str, prompt: &str, options: &Value) {
    let (_graph, mut context) = start(model, options, prompt);
    print_metadata("input-metadata", &context);
    compute(&mut context);
    let text = output(&context, 0, false).unwrap_or_else(|e| fail("get_output(0)", e));
    println!("output: {}", hex(&text));
    print_metadata("metadata", &context);
}

fn stream(model: &str, prompt: &str, options: &Value) {
    let (_graph, mut context) = start(model, options, prompt);
    let limit = options["n-predict"].as_i64().unwrap_or(-1);
    let mut n = 0;
    let end = loop {
        if limit >= 0 && n >= limit {
            break "success".to_string();
        }
        match context.compute_single() {
            Ok(_) => (),
            Err(e @ Error::BackendError(BackendError::EndOfSequence))
            | Err(e @ Error::BackendError(BackendError::ContextFull))
            | Err(e @ Error::BackendError(BackendError::PromptTooLong)) => break error_name(&e),
            Err(e) => fail("compute_single", e),
        }
        let token = output(&context, 0, true).unwrap_or_else(|e| fail("get_output_single", e));
        println!("token: {}", hex(&token));
        n += 1;
    };
    println!("stream-end: {}", end);
    print_metadata("metadata", &context);
    context.fini_single().unwrap_or_else(|e| fail("fini_single", e));
}

fn embedding(model: &str, prompt: &str, options: &Value) {
    let (_graph, mut context) = start(model, options, prompt);
    context.compute().unwrap_or_else(|e| fail("compute", e));
    let json = output(&context, 0, false).unwrap_or_else(|e| fail("get_output(0)", e));
    println!("embedding-json: {}", String::from_utf8_lossy(&json));
    let embd: Value = serde_json::from_slice(&json).expect("embedding is JSON");
    println!("n_embedding: {}", embd["n_embedding"]);
    let raw = output(&context, 2, false).unwrap_or_else(|e| fail("get_output(2)", e));
    println!("embedding-f32: {}", hex(&raw));
}

fn unload(model: &str, prompt: &str, options: &Value) {
    for i in 0..5 {
        let (graph, mut context) = start(model, options, prompt);
        compute(&mut context);
        let text = output(&context, 0, false).unwrap_or_else(|e| fail("get_output(0)", e));
        println!("test {}: {}", i, graph);
        println!("output: {}", hex(&text));
        graph.unload().unwrap_or_else(|e| fail("unload", e));
    }
}

fn set_input_twice(model: &str, prompt: &str, options: &Value) {
    let (_graph, mut context) = start(model, options, prompt);
    let before = metadata(&context)["input_tokens"].clone();
    let data = prompt.as_bytes().to_vec();
    context
        .set_input(0, TensorType::U8, &[data.len()], &data)
        .unwrap_or_else(|e| fail("set_input", e));
    let after = metadata(&context)["input_tokens"].clone();
    println!("input_tokens: {} then {}", before, after);
    if before != after {
        exit(1);
    }
}

fn model_not_found(model: &str) {
    match GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO).build_from_cache(model) {
        Err(Error::BackendError(BackendError::ModelNotFound)) => println!("Model not found"),
        Err(e) => fail("load_by_name (expected model_not_found)", e),
        Ok(_) => {
            println!("error: load_by_name (expected model_not_found): success");
            exit(1)
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: llm-rust MODE MODEL [PROMPT [OPTIONS_JSON]]");
        exit(2);
    }
    let prompt = args.get(3).map(String::as_str).unwrap_or("");
    let options: Value =
        serde_json::from_str(args.get(4).map(String::as_str).unwrap_or(r#"{"ctx-size": 1024, "n-gpu-layers": 0}"#))
            .expect("OPTIONS_JSON is JSON");
    match args[1].as_str() {
        "chat" => chat(&args[2], prompt, &options),
        "stream" => stream(&args[2], prompt, &options),
        "embedding" => embedding(&args[2], prompt, &options),
        "unload" => unload(&args[2], prompt, &options),
        "set-input-twice" => set_input_twice(&args[2], prompt, &options),
        "model-not-found" => model_not_found(&args[2]),
        mode => {
            eprintln!("llm-rust: unknown mode {}", mode);
            exit(2)
        }
    }
}
