// libwasmnn_llvm.so's entry point (llvm/compiler.h): translate, verify,
// optimise with LLVM's standard pipeline and emit an ELF object in memory.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "translator.h"
#include "wasmnn/codegen_id.h"
#include "wasmnn/llvm/compiler.h"

namespace wasmnn::llvmtier {
namespace {

char* copyString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

llvm::CodeGenOptLevel codegenLevel(unsigned optLevel) {
  switch (optLevel) {
    case 1: return llvm::CodeGenOptLevel::Less;
    case 3: return llvm::CodeGenOptLevel::Aggressive;
    default: return llvm::CodeGenOptLevel::Default;
  }
}

std::unique_ptr<llvm::TargetMachine> targetMachine(const std::string& cpu, unsigned optLevel, std::string& error) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  const std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) return nullptr;
  // Position-independent, small code model: the runtime's loader places the
  // sections anywhere and links calls to itself through stubs.
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, "", llvm::TargetOptions(), llvm::Reloc::PIC_, llvm::CodeModel::Small, codegenLevel(optLevel)));
}

void optimize(llvm::Module& module, llvm::TargetMachine& machine, unsigned optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 3 ? llvm::OptimizationLevel::O3
                                                  : llvm::OptimizationLevel::O2;
  builder.buildPerModuleDefaultPipeline(level).run(module, mam);
}

// Empty on success, else why it failed.
std::string compile(const wasmnn_llvm_request& request, llvm::SmallVectorImpl<char>& object) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = targetMachine(request.cpu, request.opt_level, error);
  if (!machine) return "no LLVM target for this machine: " + error;
  llvm::LLVMContext context;
  ModuleTranslator translator(context, *request.module, Options{request.cpu, request.guard});
  std::unique_ptr<llvm::Module> module = translator.translate();
  if (!module) return translator.error();
  module->setDataLayout(machine->createDataLayout());
  module->setTargetTriple(machine->getTargetTriple().str());
  llvm::raw_string_ostream problems(error);
  if (llvm::verifyModule(*module, &problems)) return "the translated IR is invalid: " + problems.str();
  optimize(*module, *machine, request.opt_level);
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager emit;
  if (machine->addPassesToEmitFile(emit, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    return "LLVM cannot emit an object file for this target";
  emit.run(*module);
  return {};
}

}  // namespace
}  // namespace wasmnn::llvmtier

extern "C" {

__attribute__((visibility("default"))) int wasmnn_llvm_compile(const wasmnn_llvm_request* request,
                                                               wasmnn_llvm_result* result) {
  *result = {};
  if (request->abi != WASMNN_LLVM_PLUGIN_ABI) {
    result->error = wasmnn::llvmtier::copyString("libwasmnn_llvm.so speaks another plugin ABI");
    return 1;
  }
  llvm::SmallVector<char, 0> object;
  std::string error = wasmnn::llvmtier::compile(*request, object);
  if (!error.empty()) {
    result->error = wasmnn::llvmtier::copyString(error);
    return 1;
  }
  result->object = static_cast<uint8_t*>(std::malloc(object.size()));
  if (!result->object) {
    result->error = wasmnn::llvmtier::copyString("out of memory for the object code");
    return 1;
  }
  std::memcpy(result->object, object.data(), object.size());
  result->size = object.size();
  return 0;
}

__attribute__((visibility("default"))) const char* wasmnn_llvm_codegen_id(void) { return WASMNN_CODEGEN_ID; }

}  // extern "C"
