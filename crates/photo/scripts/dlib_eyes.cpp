// The eye corners that dlib's own face detector (HOG) and 5-point shape
// predictor find, one CSV row per photo: the independent reference that
// tests/real_pose.rs compares the engine's roll with. Reads lines of
// "NAME RAW_RGB_FILE WIDTH HEIGHT" on stdin (8-bit RGB, row-major), writes
// "NAME,x0,y0,x1,y1,x2,y2,x3,y3" (dlib's parts 0-3: the image-right eye's
// outer and inner corner, then the image-left eye's), or "NAME" and empty
// cells where the detector finds no face. The largest face counts.
// Built and run by dlib_eyes.sh.
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/matrix.h>
#include <dlib/pixel.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: dlib_eyes shape_predictor_5_face_landmarks.dat < list\n";
        return 2;
    }
    dlib::shape_predictor predictor;
    dlib::deserialize(argv[1]) >> predictor;
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    std::cout << "file,x0,y0,x1,y1,x2,y2,x3,y3\n";
    std::string name, path;
    long w, h;
    while (std::cin >> name >> path >> w >> h) {
        std::vector<unsigned char> rgb(w * h * 3);
        std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(rgb.data()), rgb.size());
        dlib::matrix<dlib::rgb_pixel> img(h, w);
        for (long r = 0; r < h; ++r)
            for (long c = 0; c < w; ++c) {
                const unsigned char* p = &rgb[(r * w + c) * 3];
                img(r, c) = dlib::rgb_pixel(p[0], p[1], p[2]);
            }
        std::vector<dlib::rectangle> faces = detector(img);
        std::cout << name;
        if (faces.empty()) {
            std::cout << ",,,,,,,,\n";
            continue;
        }
        auto largest = *std::max_element(faces.begin(), faces.end(),
            [](const dlib::rectangle& a, const dlib::rectangle& b) { return a.area() < b.area(); });
        dlib::full_object_detection shape = predictor(img, largest);
        for (unsigned k = 0; k < 4; ++k) std::cout << ',' << shape.part(k).x() << ',' << shape.part(k).y();
        std::cout << '\n';
    }
}
