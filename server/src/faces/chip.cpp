// dlib's face chip: the 150x150 alignment its face-recognition ResNet was
// trained on, cut exactly as dlib's get_face_encodings cuts it (similarity
// transform to the five landmarks, 25 % padding, bilinear with an image
// pyramid). Kept in dlib so the network's input is dlib's, pixel for pixel;
// the network itself runs in Rust (resnet.rs).
#include <dlib/image_processing/full_object_detection.h>
#include <dlib/image_transforms/interpolation.h>
#include <dlib/matrix.h>
#include <dlib/pixel.h>

#include <vector>

extern "C" int certd_face_chip(const unsigned char* rgb, long width, long height,
                               const long* parts, unsigned char* chip) {
    try {
        dlib::matrix<dlib::rgb_pixel> img(height, width);
        for (long y = 0; y < height; ++y) {
            for (long x = 0; x < width; ++x) {
                const unsigned char* p = rgb + 3 * (y * width + x);
                img(y, x) = dlib::rgb_pixel(p[0], p[1], p[2]);
            }
        }
        std::vector<dlib::point> points;
        for (int i = 0; i < 5; ++i) points.emplace_back(parts[2 * i], parts[2 * i + 1]);
        dlib::full_object_detection det(dlib::rectangle(0, 0, width - 1, height - 1), points);
        dlib::matrix<dlib::rgb_pixel> out;
        dlib::extract_image_chip(img, dlib::get_face_chip_details(det, 150, 0.25), out);
        if (out.nr() != 150 || out.nc() != 150) return 1;
        for (long y = 0; y < 150; ++y) {
            for (long x = 0; x < 150; ++x) {
                unsigned char* q = chip + 3 * (y * 150 + x);
                q[0] = out(y, x).red;
                q[1] = out(y, x).green;
                q[2] = out(y, x).blue;
            }
        }
        return 0;
    } catch (...) {
        return 1;
    }
}
