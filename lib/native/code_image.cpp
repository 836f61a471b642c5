// Loads an ELF64 x86-64 relocatable object (see native/code_image.h). The
// object is trusted to have come from our translator, but every offset, index
// and size in it is still checked, so a corrupt artifact fails with a message
// instead of a crash.
#include "wasmnn/native/code_image.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <optional>

namespace wasmnn::native {

namespace {

Error fail(std::string message) { return Error{ErrorKind::Host, "cannot load native code: " + std::move(message)}; }

size_t alignUp(size_t n, size_t align) { return align <= 1 ? n : (n + align - 1) / align * align; }

// Where each loaded section goes, in three groups with their own protection.
enum class Group { Code, ReadOnly, Writable };

// A call to a symbol outside the object: jmp *0(%rip) followed by the address.
constexpr uint8_t kStubPrefix[] = {0xff, 0x25, 0x00, 0x00, 0x00, 0x00};
constexpr size_t kStubSize = 16;

}  // namespace

class ImageBuilder {
 public:
  ImageBuilder(std::span<const uint8_t> object, CodeImage::Resolver resolve) : obj_(object), resolve_(resolve) {}

  Result<std::unique_ptr<CodeImage>> build() {
    if (auto e = readHeaders()) return *e;
    if (auto e = readSymbols()) return *e;
    if (auto e = layOut()) return *e;
    if (auto e = place()) return *e;
    if (auto e = resolveSymbols()) return *e;
    for (size_t i = 0; i < sections_.size(); ++i)
      if (sections_[i].sh_type == SHT_RELA)
        if (auto e = relocate(sections_[i])) return *e;
    if (auto e = protect()) return *e;
    collectFunctions();
    return std::move(image_);
  }

 private:
  template <typename T> std::optional<T> read(size_t offset) const {
    if (offset > obj_.size() || obj_.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, obj_.data() + offset, sizeof(T));
    return value;
  }
  bool inFile(uint64_t offset, uint64_t size) const { return offset <= obj_.size() && size <= obj_.size() - offset; }

  std::optional<Error> readHeaders() {
    auto header = read<Elf64_Ehdr>(0);
    if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0) return fail("not an ELF object");
    if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB ||
        header->e_type != ET_REL || header->e_machine != EM_X86_64)
      return fail("not an x86-64 relocatable object");
    if (header->e_shentsize != sizeof(Elf64_Shdr) ||
        !inFile(header->e_shoff, uint64_t(header->e_shnum) * sizeof(Elf64_Shdr)))
      return fail("bad section table");
    for (size_t i = 0; i < header->e_shnum; ++i) {
      Elf64_Shdr s = *read<Elf64_Shdr>(header->e_shoff + i * sizeof(Elf64_Shdr));
      if (s.sh_type != SHT_NOBITS && s.sh_type != SHT_NULL && !inFile(s.sh_offset, s.sh_size))
        return fail("section " + std::to_string(i) + " lies outside the object");
      if (s.sh_addralign > 4096) return fail("section alignment above a page");
      sections_.push_back(s);
    }
    if (header->e_shstrndx >= sections_.size()) return fail("bad section name table");
    shstrtab_ = sections_[header->e_shstrndx];
    return std::nullopt;
  }

  std::string_view stringAt(const Elf64_Shdr& table, uint32_t offset) const {
    if (offset >= table.sh_size) return {};
    const char* start = reinterpret_cast<const char*>(obj_.data() + table.sh_offset + offset);
    size_t max = table.sh_size - offset;
    return std::string_view(start, strnlen(start, max));
  }

  std::optional<Error> readSymbols() {
    for (const Elf64_Shdr& s : sections_) {
      if (s.sh_type != SHT_SYMTAB) continue;
      if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sections_.size()) return fail("bad symbol table");
      strtab_ = sections_[s.sh_link];
      for (size_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size; off += sizeof(Elf64_Sym))
        symbols_.push_back(*read<Elf64_Sym>(s.sh_offset + off));
      return std::nullopt;
    }
    return fail("no symbol table");
  }

  // Unwind tables are not needed: nothing unwinds through generated code.
  bool loaded(const Elf64_Shdr& s) const {
    return (s.sh_flags & SHF_ALLOC) && s.sh_size > 0 && stringAt(shstrtab_, s.sh_name) != ".eh_frame";
  }

  static Group groupOf(const Elf64_Shdr& s) {
    if (s.sh_flags & SHF_EXECINSTR) return Group::Code;
    return (s.sh_flags & SHF_WRITE) ? Group::Writable : Group::ReadOnly;
  }

  // Sections, then stubs (with the code) and GOT slots (read-only), each
  // group starting on a page; stubs and slots only for symbols that need them.
  std::optional<Error> layOut() {
    stub_.assign(symbols_.size(), SIZE_MAX);
    got_.assign(symbols_.size(), SIZE_MAX);
    for (const Elf64_Shdr& rel : sections_) {
      if (rel.sh_type != SHT_RELA) continue;
      if (rel.sh_entsize != sizeof(Elf64_Rela) || rel.sh_info >= sections_.size())
        return fail("bad relocation section");
      if (!loaded(sections_[rel.sh_info])) continue;
      for (size_t off = 0; off + sizeof(Elf64_Rela) <= rel.sh_size; off += sizeof(Elf64_Rela)) {
        Elf64_Rela r = *read<Elf64_Rela>(rel.sh_offset + off);
        size_t sym = ELF64_R_SYM(r.r_info);
        if (sym >= symbols_.size()) return fail("relocation names a missing symbol");
        uint32_t type = ELF64_R_TYPE(r.r_info);
        if (type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX)
          got_[sym] = 0;
        else if ((type == R_X86_64_PLT32 || type == R_X86_64_PC32) && symbols_[sym].st_shndx == SHN_UNDEF)
          stub_[sym] = 0;
      }
    }
    offset_.assign(sections_.size(), SIZE_MAX);
    size_t size = 0;
    for (Group g : {Group::Code, Group::ReadOnly, Group::Writable}) {
      size = alignUp(size, pageSize());
      groupStart_[size_t(g)] = size;
      for (size_t i = 0; i < sections_.size(); ++i) {
        if (!loaded(sections_[i]) || groupOf(sections_[i]) != g) continue;
        size = alignUp(size, sections_[i].sh_addralign);
        offset_[i] = size;
        size += sections_[i].sh_size;
      }
      auto& extra = g == Group::Code ? stub_ : got_;
      if (g == Group::Writable) continue;
      size = alignUp(size, 16);
      for (size_t& slot : extra) {
        if (slot == SIZE_MAX) continue;
        slot = size;
        size += g == Group::Code ? kStubSize : sizeof(uint64_t);
      }
    }
    groupStart_[3] = alignUp(size, pageSize());
    return std::nullopt;
  }

  static size_t pageSize() {
    static const size_t page = size_t(sysconf(_SC_PAGESIZE));
    return page;
  }

  std::optional<Error> place() {
    image_.reset(new CodeImage);
    size_t size = std::max(groupStart_[3], pageSize());
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return fail("cannot map " + std::to_string(size) + " bytes");
    image_->base_ = base;
    image_->size_ = size;
    base_ = static_cast<uint8_t*>(base);
    for (size_t i = 0; i < sections_.size(); ++i) {
      if (offset_[i] == SIZE_MAX || sections_[i].sh_type == SHT_NOBITS) continue;  // NOBITS stays zero
      std::memcpy(base_ + offset_[i], obj_.data() + sections_[i].sh_offset, sections_[i].sh_size);
    }
    return std::nullopt;
  }

  std::optional<Error> resolveSymbols() {
    address_.assign(symbols_.size(), 0);
    for (size_t i = 1; i < symbols_.size(); ++i) {
      const Elf64_Sym& s = symbols_[i];
      if (s.st_shndx == SHN_UNDEF) {
        std::string_view name = stringAt(strtab_, s.st_name);
        void* target = resolve_(name);
        if (!target) return fail("the code calls `" + std::string(name) + "`, which the runtime does not provide");
        address_[i] = reinterpret_cast<uintptr_t>(target);
        if (stub_[i] != SIZE_MAX) {
          uint8_t* stub = base_ + stub_[i];
          std::memcpy(stub, kStubPrefix, sizeof kStubPrefix);
          std::memcpy(stub + sizeof kStubPrefix, &address_[i], sizeof(uint64_t));
        }
      } else if (s.st_shndx == SHN_ABS) {
        address_[i] = s.st_value;
      } else if (s.st_shndx < sections_.size() && offset_[s.st_shndx] != SIZE_MAX) {
        if (s.st_value > sections_[s.st_shndx].sh_size) return fail("symbol outside its section");
        address_[i] = reinterpret_cast<uintptr_t>(base_ + offset_[s.st_shndx] + s.st_value);
      }
      if (got_[i] != SIZE_MAX) std::memcpy(base_ + got_[i], &address_[i], sizeof(uint64_t));
    }
    return std::nullopt;
  }

  std::optional<Error> relocate(const Elf64_Shdr& rel) {
    const Elf64_Shdr& target = sections_[rel.sh_info];
    if (!loaded(target)) return std::nullopt;
    uint8_t* section = base_ + offset_[rel.sh_info];
    for (size_t off = 0; off + sizeof(Elf64_Rela) <= rel.sh_size; off += sizeof(Elf64_Rela)) {
      Elf64_Rela r = *read<Elf64_Rela>(rel.sh_offset + off);
      size_t sym = ELF64_R_SYM(r.r_info);
      uint32_t type = ELF64_R_TYPE(r.r_info);
      size_t width = (type == R_X86_64_64 || type == R_X86_64_PC64) ? 8 : 4;
      if (r.r_offset > target.sh_size || target.sh_size - r.r_offset < width)
        return fail("relocation outside its section");
      if (sym != 0 && address_[sym] == 0) return fail("relocation against a symbol that was not loaded");
      uint8_t* at = section + r.r_offset;
      int64_t p = int64_t(reinterpret_cast<uintptr_t>(at));
      int64_t s = int64_t(address_[sym]);
      int64_t a = r.r_addend;
      switch (type) {
        case R_X86_64_NONE: break;
        case R_X86_64_64: write64(at, uint64_t(s + a)); break;
        case R_X86_64_PC64: write64(at, uint64_t(s + a - p)); break;
        case R_X86_64_PC32:
        case R_X86_64_PLT32: {
          if (stub_[sym] != SIZE_MAX) s = int64_t(reinterpret_cast<uintptr_t>(base_ + stub_[sym]));
          if (!write32(at, s + a - p, true)) return fail("a PC-relative reference does not reach its target");
          break;
        }
        case R_X86_64_GOTPCREL:
        case R_X86_64_GOTPCRELX:
        case R_X86_64_REX_GOTPCRELX: {
          int64_t g = int64_t(reinterpret_cast<uintptr_t>(base_ + got_[sym]));
          if (!write32(at, g + a - p, true)) return fail("a GOT reference does not reach its slot");
          break;
        }
        case R_X86_64_32:
        case R_X86_64_32S:
          if (!write32(at, s + a, type == R_X86_64_32S)) return fail("an absolute 32-bit reference out of range");
          break;
        default: return fail("unsupported relocation type " + std::to_string(type));
      }
    }
    return std::nullopt;
  }

  static void write64(uint8_t* at, uint64_t v) { std::memcpy(at, &v, 8); }
  static bool write32(uint8_t* at, int64_t v, bool isSigned) {
    bool fits = isSigned ? v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()
                         : v >= 0 && v <= int64_t(std::numeric_limits<uint32_t>::max());
    uint32_t w = uint32_t(v);
    std::memcpy(at, &w, 4);
    return fits;
  }

  std::optional<Error> protect() {
    const int prot[] = {PROT_READ | PROT_EXEC, PROT_READ, PROT_READ | PROT_WRITE};
    for (size_t g = 0; g < 3; ++g) {
      size_t length = groupStart_[g + 1] - groupStart_[g];
      if (length && mprotect(base_ + groupStart_[g], length, prot[g]) != 0) return fail("mprotect failed");
    }
    return std::nullopt;
  }

  void collectFunctions() {
    for (size_t i = 1; i < symbols_.size(); ++i) {
      const Elf64_Sym& s = symbols_[i];
      if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || ELF64_ST_BIND(s.st_info) == STB_LOCAL || address_[i] == 0) continue;
      image_->functions_.push_back({std::string(stringAt(strtab_, s.st_name)), address_[i], s.st_size});
    }
  }

  std::span<const uint8_t> obj_;
  CodeImage::Resolver resolve_;
  std::vector<Elf64_Shdr> sections_;
  Elf64_Shdr shstrtab_{}, strtab_{};
  std::vector<Elf64_Sym> symbols_;
  std::vector<size_t> offset_;      // of each loaded section in the mapping
  std::vector<size_t> stub_, got_;  // per symbol: its stub or GOT slot, SIZE_MAX if none
  size_t groupStart_[4] = {};       // Code, ReadOnly, Writable, end
  std::vector<uintptr_t> address_;  // per symbol
  uint8_t* base_ = nullptr;
  std::unique_ptr<CodeImage> image_;
};

Result<std::unique_ptr<CodeImage>> CodeImage::load(std::span<const uint8_t> object, Resolver resolve) {
  return ImageBuilder(object, resolve).build();
}

CodeImage::~CodeImage() {
  if (base_) munmap(base_, size_);
}

}  // namespace wasmnn::native
