// certd's one C++ file: dlib's face chip (src/faces/chip.cpp). Header-only
// dlib; the library itself is linked by dlib-face-recognition.
fn main() {
    println!("cargo:rerun-if-changed=src/faces/chip.cpp");
    cc::Build::new()
        .cpp(true)
        .file("src/faces/chip.cpp")
        .flag("-std=c++14")
        .flag_if_supported("-Wno-misleading-indentation")
        .opt_level(2)
        .compile("certd_chip");
}
