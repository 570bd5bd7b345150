import CRMCore
import CustomerImport
import Foundation
import Hummingbird

/// An error as the API reports it: a status and `{"error": {"code": "...", "message": "..."}}`.
/// Every error a route throws is turned into one by `APIError.from`, so clients always get JSON.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code such as `permission_denied`.
    public var code: String
    /// What was wrong and where, for people.
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "unauthorized", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }

    /// The API's form of any error a route or Hummingbird throws.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as CRMError:
            switch error {
            case .permissionDenied: return APIError(.forbidden, code: "permission_denied", message: error.description)
            case .notFound: return APIError(.notFound, code: "not_found", message: error.description)
            case .invalid: return APIError(.badRequest, code: "invalid", message: error.description)
            case .conflict: return APIError(.conflict, code: "conflict", message: error.description)
            case .ruleRefused: return APIError(.unprocessableContent, code: "rule_refused", message: error.description)
            }
        case let error as ImportFileError:
            return APIError(.badRequest, code: "bad_file", message: error.description)
        case let error as DecodingError:
            return .badRequest("malformed JSON body: \(BodyProblem.describe(error))")
        case let error as HTTPError:
            return fromHTTP(error.status, message: error.body)
        case let error as any HTTPResponseError:
            return fromHTTP(error.status, message: nil)
        default:
            return APIError(.internalServerError, code: "internal", message: "the server failed to handle the request")
        }
    }

    private static func fromHTTP(_ status: HTTPResponse.Status, message: String?) -> APIError {
        switch status {
        case .contentTooLarge:
            return APIError(status, code: "too_large", message: "the request body is larger than the limit")
        case .notFound:
            return .notFound(message ?? "no such endpoint")
        case .methodNotAllowed:
            return APIError(status, code: "method_not_allowed", message: message ?? "method not allowed on this endpoint")
        case .badRequest:
            return .badRequest(message ?? "bad request")
        default:
            let code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return APIError(status, code: code.isEmpty ? "error" : code, message: message ?? status.reasonPhrase)
        }
    }

    /// The JSON response.
    func response() -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
            }
            let error: Detail
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        let data = (try? JSONCoding.encoder.encode(Body(error: .init(code: code, message: message)))) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
