import Foundation

/// A column of an upload that maps onto a customer field, with the header names it goes by in
/// English and as Vietnamese CRMs (Getfly and the like) export them.
public enum CustomerColumn: String, Sendable, CaseIterable, Hashable {
    case code, name, phone, email, relationship, owner, source, points, referrer, viewers

    /// Header names, in `HeaderName.normalize`d form (lower case, no diacritics, single spaces).
    var names: [String] {
        switch self {
        case .code: return ["code", "customer code", "ma khach hang", "ma kh"]
        case .name: return ["name", "customer name", "full name", "ten khach hang", "ten kh", "ho va ten", "ho ten"]
        case .phone: return ["phone", "phone number", "mobile", "so dien thoai", "dien thoai", "sdt", "so dt", "di dong"]
        case .email: return ["email", "e mail", "thu dien tu"]
        case .relationship: return ["relationship", "moi quan he", "quan he"]
        case .owner: return ["owner", "nguoi phu trach", "phu trach", "nhan vien phu trach"]
        case .source: return ["source", "nguon", "nguon khach hang"]
        case .points: return ["points", "reward points", "diem", "diem thuong", "diem tich luy"]
        case .referrer: return ["referrer", "referrer code", "nguoi gioi thieu", "ma nguoi gioi thieu"]
        case .viewers: return ["viewers", "nguoi xem"]
        }
    }

    /// The column a header names, or nil for a custom field.
    static func named(_ header: String) -> CustomerColumn? {
        let key = HeaderName.normalize(header)
        return allCases.first { $0.names.contains(key) }
    }
}

/// How headers are compared: "Mã khách hàng (*)", "MÃ KHÁCH HÀNG" and "ma_khach_hang" are one name.
enum HeaderName {
    static func normalize(_ header: String) -> String {
        var text = header.replacingOccurrences(of: "(*)", with: "").replacingOccurrences(of: "*", with: "")
        text = text.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        text = text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
        let words = text.split { $0 == " " || $0 == "_" || $0 == "-" || $0 == "." || $0.isWhitespace }
        return words.joined(separator: " ")
    }
}
